import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../test/helpers/crypto.js';
import { computeEventHash, GENESIS_HASH, type AuditEvent } from '../audit/audit-event.js';
import { eventToJsonLine } from './event-formats.js';
import { canonicalJson } from '../crypto/canonical.js';
import { auditEventSchema } from '../audit/audit-event.js';
import { canonicalLineParts, isAuditEventShape, parseSegmentLine, withheldLine } from './segment-lines.js';

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
