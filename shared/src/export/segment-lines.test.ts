import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../test/helpers/crypto.js';
import { computeEventHash, GENESIS_HASH, type AuditEvent } from '../audit/audit-event.js';
import { eventToJsonLine } from './event-formats.js';
import { canonicalJson } from '../crypto/canonical.js';
import { auditEventSchema } from '../audit/audit-event.js';
import { canonicalDetailsText, canonicalLineParts, isAuditEventShape, parseSegmentLine, scanCanonicalEventLine, withheldLine } from './segment-lines.js';

useCrypto();

function event(details: Record<string, unknown>): AuditEvent {
  const base = { seq: 3, id: 'evt_3', time: 1, actor: 'vera', action: 'recording.close', site: 'plant-1', target: 'hmi-1', outcome: 'success' as const, details, prevHash: GENESIS_HASH };
  return { ...base, hash: computeEventHash(base) };
}

test('the hash read from a canonical line is the event\'s hash; a reformatted line does not match', () => {
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
  const w = parseSegmentLine(withheldLine({ fromSeq: 4, toSeq: 9, lastHash: 'c'.repeat(64) }).trimEnd());
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
  for (const v of variants) assert.equal(isAuditEventShape(v), auditEventSchema.safeParse(v).success, JSON.stringify(v));
});

test('scanning a canonical event line gives what JSON.parse gives; anything else is left to JSON.parse', () => {
  const texts = ['', 'plain', 'ünïcödé ✓', 'a,b', 'x=y|z', '{"not":"json"}', ',"hash":"', '😀'];
  let scanned = 0;
  for (const [i, text] of texts.entries()) {
    for (const site of [null, 'plant-1', text]) {
      const base = { seq: 1 + i, id: `evt_${text}`, time: i === 3 ? 8.64e15 : 1_767_225_600_000 + i, actor: text || 'vera', action: 'modbus.write', site, target: i % 2 === 0 ? null : text, outcome: 'denied' as const, details: { text, nested: { a: 1, hash: 'f'.repeat(64), id: 'x' }, list: [1, 'two', null] }, prevHash: GENESIS_HASH };
      const e: AuditEvent = { ...base, hash: computeEventHash(base) };
      const line = eventToJsonLine(e).trimEnd();
      const s = scanCanonicalEventLine(line);
      if (line.includes('\\')) {
        assert.equal(s, undefined, 'a line with an escape goes to JSON.parse');
        continue;
      }
      assert.ok(s !== undefined, line);
      scanned++;
      const { details, ...rest } = e;
      assert.deepEqual({ ...s.event, details }, { ...rest, details }, line);
      assert.deepEqual(s.event.details, {}, 'details are given as text only');
      assert.equal(s.detailsJson, canonicalJson(details));
      assert.equal(s.detailsJson, canonicalDetailsText(line, e.hash));
    }
  }
  assert.equal(scanned, (texts.length - 2) * 3, 'every line without an escape was scanned');
  const e = event({ path: 'C:\\temp', quote: 'say "hi"' });
  const line = eventToJsonLine(e).trimEnd();
  assert.equal(scanCanonicalEventLine(line), undefined, 'escapes go to JSON.parse');
  const plain = eventToJsonLine(event({ a: 1 })).trimEnd();
  assert.ok(scanCanonicalEventLine(plain) !== undefined);
  for (const other of [plain.replace('"actor":"vera"', '"actor": "vera"'), plain.replace('"seq":3', '"seq":3.5'), plain.replace('"seq":3', '"seq":-3'), `${plain} `, plain.replace('"site":"plant-1"', '"site":7'), withheldLine({ fromSeq: 4, toSeq: 9, lastHash: 'c'.repeat(64) }).trimEnd(), '{}', 'null']) {
    assert.equal(scanCanonicalEventLine(other), undefined, other);
  }
});
