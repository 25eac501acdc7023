import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../../test/helpers/crypto.js';
import { computeEventHash, GENESIS_HASH, type AuditEvent } from '../audit/audit-event.js';
import { eventToJsonLine } from './event-formats.js';
import { eventHashFromLine, parseSegmentLine, withheldLine } from './segment-lines.js';

useCrypto();

function event(details: Record<string, unknown>): AuditEvent {
  const base = { seq: 3, id: 'evt_3', time: 1, actor: 'vera', action: 'recording.close', site: 'plant-1', target: 'hmi-1', outcome: 'success' as const, details, prevHash: GENESIS_HASH };
  return { ...base, hash: computeEventHash(base) };
}

test('the hash read from a canonical line is the event\'s hash; a reformatted line does not match', () => {
  const e = event({ hash: 'b'.repeat(64), id: 'nested', note: ',"hash":"x","id":' });
  const line = eventToJsonLine(e).trimEnd();
  assert.equal(eventHashFromLine(line, e), e.hash);
  const spaced = line.replace('"actor":"vera"', '"actor": "vera"');
  const parsed = parseSegmentLine(spaced);
  assert.ok(parsed.ok && parsed.value.kind === 'event');
  assert.notEqual(eventHashFromLine(spaced, parsed.value.event), e.hash);
});

test('segment lines parse events and withheld spans and reject anything else', () => {
  const w = parseSegmentLine(withheldLine({ fromSeq: 4, toSeq: 9, lastHash: 'c'.repeat(64) }).trimEnd());
  assert.ok(w.ok && w.value.kind === 'withheld' && w.value.span.toSeq === 9);
  assert.equal(parseSegmentLine('{"withheld":{"fromSeq":1}}').ok, false);
  assert.equal(parseSegmentLine('not json').ok, false);
  assert.equal(parseSegmentLine('{"seq":1}').ok, false);
});
