import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../testing/crypto.js';
import { computeEventHash, GENESIS_HASH, type AuditEvent } from '../audit/audit-event.js';
import { eventToJsonLine } from './event-formats.js';
import { canonicalJson } from '../crypto/canonical.js';
import { auditEventSchema } from '../audit/audit-event.js';
import {
  canonicalLineParts,
  isAuditEventShape,
  parseSegmentLine,
  readEventLine,
  withheldLine,
} from './segment-lines.js';

useCrypto();

function event(details: Record<string, unknown>): AuditEvent {
  const base = {
    seq: 3,
    id: 'evt_3',
    time: 1,
    actor: 'vera',
    action: 'recording.close',
    site: 'plant-1',
    target: 'hmi-1',
    outcome: 'success' as const,
    details,
    prevHash: GENESIS_HASH,
  };
  return { ...base, hash: computeEventHash(base) };
}

test("the hash read from a canonical line is the event's hash; a reformatted line does not match", () => {
  const e = event({ hash: 'b'.repeat(64), id: 'nested', note: ',"hash":"x","id":' });
  const line = eventToJsonLine(e).trimEnd();
  const parts = canonicalLineParts(line, e);
  assert.equal(parts?.contentHash, e.hash);
  assert.equal(parts?.detailsJson, canonicalJson(e.details));
  const spaced = line.replace('"actor":"vera"', '"actor": "vera"');
  const parsed = parseSegmentLine(spaced);
  assert.ok(parsed.ok && parsed.value.kind === 'event');
  assert.notEqual(canonicalLineParts(spaced, parsed.value.event)?.contentHash, e.hash);
});

test('segment lines parse events and withheld spans and reject anything else', () => {
  const w = parseSegmentLine(
    withheldLine({ fromSeq: 4, toSeq: 9, lastHash: 'c'.repeat(64) }).trimEnd(),
  );
  assert.ok(w.ok && w.value.kind === 'withheld' && w.value.span.toSeq === 9);
  assert.equal(parseSegmentLine('{"withheld":{"fromSeq":1}}').ok, false);
  assert.equal(parseSegmentLine('not json').ok, false);
  assert.equal(parseSegmentLine('{"seq":1}').ok, false);
});

test('the fast event check accepts and refuses exactly what the zod schema does', () => {
  const good = event({ a: 1 });
  const variants: unknown[] = [
    good,
    { ...good, site: null, target: null },
    { ...good, extra: 1 },
    { ...good, seq: 0 },
    { ...good, seq: 1.5 },
    { ...good, time: -1 },
    { ...good, id: '' },
    { ...good, id: 'x'.repeat(65) },
    { ...good, actor: 'x'.repeat(257) },
    { ...good, action: 'x'.repeat(65) },
    { ...good, site: 'x'.repeat(129) },
    { ...good, target: 'x'.repeat(513) },
    { ...good, outcome: 'maybe' },
    { ...good, details: [] },
    { ...good, details: null },
    { ...good, prevHash: 'A'.repeat(64) },
    { ...good, hash: 'a'.repeat(63) },
    { ...good, seq: '3' },
    (({ hash: _h, ...rest }) => rest)(good),
    [],
    null,
    'event',
  ];
  for (const v of variants)
    assert.equal(isAuditEventShape(v), auditEventSchema.safeParse(v).success, JSON.stringify(v));
});

/** What the general path (parseSegmentLine, then canonicalLineParts) reads from a line. */
function general(
  line: string,
): { event: AuditEvent; contentHash: string; detailsJson: string } | undefined {
  const p = parseSegmentLine(line);
  if (!p.ok || p.value.kind !== 'event') return undefined;
  const parts = canonicalLineParts(line, p.value.event);
  return parts === undefined ? undefined : { event: p.value.event, ...parts };
}

function fromBytes(line: string): ReturnType<typeof readEventLine> {
  // A view into a bigger buffer, as in a chunk: the reader must stay inside it.
  const b = Buffer.concat([
    Buffer.from('{"x":1}\n'),
    Buffer.from(line, 'utf8'),
    Buffer.from('\n{"y":2}'),
  ]);
  return readEventLine(b, 8, b.length - 8, false);
}

const TEXTS = [
  '',
  'plain',
  'ünïcödé ✓',
  'a,b',
  'x=y|z',
  '=cmd',
  '+1',
  '-rf',
  '@x',
  '{"not":"json"}',
  ',"hash":"',
  '"quoted"',
  'back\\slash',
  'tab\there',
  '😀',
  '} ] { [',
  'x'.repeat(64),
];

test('reading a canonical line from its bytes gives what the general path gives, and defers whatever it cannot read plainly', () => {
  let read = 0;
  for (const [i, text] of TEXTS.entries()) {
    for (const site of [null, 'plant-1', text]) {
      const base = {
        seq: 1 + i,
        id: `evt_${i}${text}`.slice(0, 64),
        time: i === 3 ? 8.64e15 : 1_767_225_600_000 + i,
        actor: text || 'vera',
        action: 'modbus.write',
        site,
        target: i % 2 === 0 ? null : text,
        outcome: 'denied' as const,
        details: {
          text,
          nested: { a: 1, hash: 'f'.repeat(64), id: '{x]' },
          list: [1, 'two', null, { b: [] }],
        },
        prevHash: 'ab'.repeat(32),
      };
      const e: AuditEvent = { ...base, hash: computeEventHash(base) };
      const line = eventToJsonLine(e).trimEnd();
      const r = fromBytes(line);
      const g = general(line);
      assert.ok(g !== undefined && g.contentHash === e.hash, line);
      if (line.includes('\\') || /[^\x20-\x7e]/.test(line) || i === 3) {
        assert.equal(r, undefined, `not plain (escape, non-ASCII or a 16-digit time): ${line}`);
        continue;
      }
      assert.deepEqual(r, g, line);
      read++;
    }
  }
  assert.equal(read, 27, 'every plain line was read from its bytes');
});

test('whatever the byte reader accepts, the general path accepts with the same event and hash (mutated lines)', () => {
  const e = event({ a: 1, list: [true, { b: 'c' }] });
  const line = eventToJsonLine(e).trimEnd();
  const edits = [
    line.replace('"seq":3', '"seq":03'),
    line.replace('"seq":3', '"seq":0'),
    line.replace('"seq":3', '"seq":-3'),
    line.replace('"seq":3', '"seq":3.0'),
    line.replace('"seq":3', '"seq":1234567890123456'),
    line.replace('"time":1', '"time":01'),
    line.replace('"actor":"vera"', '"actor": "vera"'),
    line.replace('"actor":"vera"', '"actor":""'),
    line.replace('"outcome":"success"', '"outcome":"maybe"'),
    line.replace('"a":1', '"a":}'),
    line.replace('"a":1', '"a":1,'),
    line.replace('{"a":1', '[{"a":1').replace('}],"hash"', '}]],"hash"'),
    line.replace(e.prevHash, e.prevHash.toUpperCase()),
    line.replace(e.hash, e.hash.toUpperCase()),
    line.replace(e.hash, 'b'.repeat(64)),
    line.replace('"site":"plant-1"', '"site":null'),
    line.replace('"site":"plant-1"', '"site":7'),
    line.replace('"target":"hmi-1"', '"target":nul'),
    `${line} `,
    ` ${line}`,
    line.replace('"details":{', '"details": {'),
    line.slice(0, -1),
    `${line}}`,
  ];
  // And random single-byte changes to printable characters (seeded: the same every run).
  let seed = 7;
  const rnd = (n: number): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) % n;
  for (let k = 0; k < 3000; k++) {
    const at = rnd(line.length);
    edits.push(line.slice(0, at) + String.fromCharCode(0x20 + rnd(95)) + line.slice(at + 1));
  }
  let accepted = 0;
  let mismatched = 0;
  for (const edited of edits) {
    const r = fromBytes(edited);
    if (r === undefined) continue;
    accepted++;
    const g = general(edited);
    assert.deepEqual(r, g, edited);
    if (r.contentHash !== r.event.hash) mismatched++;
  }
  assert.ok(
    accepted > 100 && mismatched > 50,
    `accepted ${accepted}, with a hash that does not match ${mismatched}`,
  );
});
