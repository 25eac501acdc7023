import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEvent } from '../audit/audit-event.js';
import { canonicalJson } from '../crypto/canonical.js';
import { F, newFields, scanEventLine } from './canonical-line-bytes.js';
import { EventBytesRenderer } from './event-formats-bytes.js';
import { BASE_EVENT, byteSink as sink, generatedPlainEvents } from './export-events.fixture.js';
import { eventToCefLine, eventToCsvRecord, eventToJsonLine } from './event-formats.js';
import { eventRowOf, writeEventLine, type EventRow } from './event-line-bytes.js';

const rowOf = (e: AuditEvent): EventRow => eventRowOf(e, canonicalJson(e.details));

/**
 * Writes the event's line after a few bytes already in the sink; checks the fields against the
 * scan's and renders CSV and CEF from them. Undefined when the writer defers (nothing written).
 */
function written(e: AuditEvent): { line: string; csv?: string; cef?: string } | undefined {
  const s = sink();
  s.buf.write('xyz', 0, 'latin1');
  s.used = 3;
  const f = newFields();
  const n = writeEventLine(s, rowOf(e), f);
  if (n < 0) {
    assert.equal(s.used, 3, 'a deferred row writes nothing');
    return undefined;
  }
  assert.equal(s.used, 3 + n + 1);
  const scanned = newFields();
  assert.ok(scanEventLine(s.buf, 3, 3 + n, scanned, false), 'the scan accepts what was written');
  assert.deepEqual(f, scanned, 'the fields are where the scan finds the values');
  const line = s.buf.toString('utf8', 3, s.used);
  const csv = sink();
  const cef = sink();
  // As the exporter calls it: with the action's text at hand.
  if (!new EventBytesRenderer('ot', '0.1.0').render(s.buf, n, f, csv, cef, e.action))
    return { line };
  return {
    line,
    csv: csv.buf.toString('utf8', 0, csv.used),
    cef: cef.buf.toString('utf8', 0, cef.used),
  };
}

const base: AuditEvent = {
  ...BASE_EVENT,
  details: { ...BASE_EVENT.details, note: 'a, = | {word}' },
};

test('a plain event is written byte for byte as eventToJsonLine, and renders as the strings do', () => {
  const VALUES = ['plain', '=cmd()', '+1', '-rf', '@SUM(A1)', 'a,b', 'x=y', 'p|q', ' lead', '{[}]'];
  let count = 0;
  for (const v of VALUES) {
    for (const e of [
      { ...base, id: v, actor: v, site: v, target: v },
      { ...base, action: v, site: null, target: null, outcome: 'denied' as const },
      { ...base, details: { [v]: v, list: [1, v, null, { v }] } },
      { ...base, details: {}, seq: 999_999_999_999_999, time: 0 },
    ]) {
      const got = written(e);
      assert.ok(got !== undefined, JSON.stringify(e));
      assert.equal(got.line, eventToJsonLine(e), JSON.stringify(e));
      assert.equal(got.csv, eventToCsvRecord('ot', e), JSON.stringify(e));
      assert.equal(got.cef, eventToCefLine('ot', e, { version: '0.1.0' }), JSON.stringify(e));
      count++;
    }
  }
  assert.equal(count, VALUES.length * 4);
});

test('generated plain events are written as eventToJsonLine writes them', () => {
  for (const e of generatedPlainEvents(5, 1000)) {
    const got = written(e);
    assert.ok(got !== undefined, JSON.stringify(e));
    assert.equal(got.line, eventToJsonLine(e), JSON.stringify(e));
    assert.equal(got.csv, eventToCsvRecord('ot', e), JSON.stringify(e));
  }
});

test('a row that is not plain is left to the strings, with nothing written', () => {
  const cases: [string, AuditEvent][] = [
    ['a quote in a string value', { ...base, actor: 'say "hi"' }],
    ['a backslash in a string value', { ...base, target: 'C:\\plc' }],
    ['a backslash in the details text', { ...base, details: { path: 'C:\\x' } }],
    ['a control character (escaped in JSON)', { ...base, id: 'a\u001bb' }],
    ['a DEL', { ...base, site: 'a\u007f' }],
    ['non-ASCII', { ...base, actor: 'véra' }],
    ['non-ASCII in the details', { ...base, details: { n: '\u202e' } }],
    ['a negative time', { ...base, time: -1 }],
    ['a seq of 16 digits', { ...base, seq: 1_000_000_000_000_000 }],
    ['a fraction', { ...base, time: 1.5 }],
  ];
  for (const [what, e] of cases) assert.equal(written(e), undefined, what);
  const notAnObject: EventRow = [
    ...rowOf(base).slice(0, 8),
    '[1]',
    'b'.repeat(64),
    'a'.repeat(64),
  ] as unknown as EventRow;
  assert.equal(
    writeEventLine(sink(), notAnObject, newFields()),
    -1,
    'details that are not an object',
  );
  const small = sink(100);
  assert.equal(writeEventLine(small, rowOf(base), newFields()), -1, 'no room in the sink');
  assert.equal(small.used, 0);
});

test('null site and target are written as null, with the fields of a null value', () => {
  const e = { ...base, site: null, target: null };
  const got = written(e);
  assert.equal(got?.line, eventToJsonLine(e));
  const s = sink();
  const f = newFields();
  writeEventLine(s, rowOf(e), f);
  assert.deepEqual([f[F.site], f[F.site + 1], f[F.target], f[F.target + 1]], [-1, -1, -1, -1]);
});
