import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEvent } from '../audit/audit-event.js';
import { newFields, scanEventLine } from './canonical-line-bytes.js';
import { EventBytesRenderer } from './event-formats-bytes.js';
import {
  BASE_EVENT as base,
  byteSink as sink,
  generatedPlainEvents,
} from './export-events.fixture.js';
import {
  eventToCefLine,
  eventToCsvRecord,
  eventToJsonLine,
  type AuditLogName,
  type TextRendering,
} from './event-formats.js';

/** Renders the event's line from its bytes; undefined when the renderer defers to the strings (or the scan does). */
function fromBytes(
  log: AuditLogName,
  version: string,
  e: AuditEvent,
  text: TextRendering = 'neutral',
): { csv: string; cef: string } | undefined {
  const line = Buffer.from(`{"pad":1}\n${eventToJsonLine(e)}`, 'utf8');
  const start = 10;
  const end = line.length - 1;
  const f = newFields();
  if (!scanEventLine(line, start, end, f, false)) return undefined;
  const csv = sink();
  const cef = sink();
  if (!new EventBytesRenderer(log, version, text).render(line, end - start, f, csv, cef)) {
    assert.equal(csv.used + cef.used, 0, 'a deferred line writes nothing');
    return undefined;
  }
  return { csv: csv.buf.toString('utf8', 0, csv.used), cef: cef.buf.toString('utf8', 0, cef.used) };
}

// Every character the two formats treat specially that can sit in a plain line (no quote or backslash inside a string: those are escaped in JSON and defer).
const VALUES = [
  '',
  'plain',
  '=cmd()',
  '+1',
  '-rf',
  '@SUM(A1)',
  'a,b',
  'x=y',
  'p|q',
  '{[}]',
  'two words',
  ' lead',
  'x'.repeat(100),
  'a=b,c|d'.repeat(12),
  '\u007f',
];

test("the CSV and CEF written from a line's bytes are exactly the strings event-formats.ts renders", () => {
  let rendered = 0;
  for (const [i, v] of VALUES.entries()) {
    const variants: AuditEvent[] = [
      { ...base, id: v || 'x', actor: v || 'y', site: v, target: v },
      {
        ...base,
        action: v || 'z',
        outcome: (['success', 'failure', 'denied'] as const)[i % 3] as AuditEvent['outcome'],
        site: null,
        target: null,
      },
      {
        ...base,
        details: {
          text: v,
          nested: { list: [1, v, null, true], empty: {} },
          [v || 'k']: `${v}=${v}`,
        },
      },
      {
        ...base,
        details: {},
        seq: 1 + i * 1_000_003,
        time: [0, 1, 86_399_999, Date.UTC(9999, 11, 31, 23, 59, 59, 999)][i % 4] as number,
      },
    ];
    for (const e of variants) {
      for (const [log, version] of [
        ['ot', '0.1.0'],
        ['it', 'v|2=x'],
      ] as const) {
        const got = fromBytes(log, version, e);
        assert.ok(
          got !== undefined,
          `a plain line is rendered from its bytes: ${JSON.stringify(e)}`,
        );
        assert.equal(got.csv, eventToCsvRecord(log, e), JSON.stringify(e));
        assert.equal(got.cef, eventToCefLine(log, e, { version }), JSON.stringify(e));
        rendered++;
      }
    }
  }
  assert.equal(rendered, VALUES.length * 8);
});

test('generated events with random printable values render the same both ways', () => {
  for (const e of generatedPlainEvents(11, 1500)) {
    const got = fromBytes('ot', '0.1.0', e);
    assert.ok(got !== undefined, JSON.stringify(e));
    assert.equal(got.csv, eventToCsvRecord('ot', e), JSON.stringify(e));
    assert.equal(got.cef, eventToCefLine('ot', e, { version: '0.1.0' }), JSON.stringify(e));
  }
});

test('what the renderer does not handle it leaves to the strings, writing nothing', () => {
  assert.equal(
    fromBytes('ot', '0.1.0', { ...base, time: Date.UTC(10_000, 0, 1) }),
    undefined,
    'a time past the year 9999 (a "+" the CSV must neutralise)',
  );
  assert.equal(
    fromBytes('ot', '0.1.0', { ...base, outcome: 'maybe' as AuditEvent['outcome'] }),
    undefined,
    'an outcome CEF has no severity for',
  );
  assert.equal(
    fromBytes('ot', '0.1.0', { ...base, actor: 'say "hi"' }),
    undefined,
    'an escape in the line (the scan defers)',
  );
  assert.equal(
    fromBytes('ot', '0.1.0', { ...base, actor: 'véra' }),
    undefined,
    'non-ASCII (the scan defers)',
  );
  const line = Buffer.from(eventToJsonLine(base).trimEnd(), 'utf8');
  const f = newFields();
  assert.ok(scanEventLine(line, 0, line.length, f, false));
  const small = sink(256);
  const cef = sink();
  assert.equal(
    new EventBytesRenderer('ot', '0.1.0').render(line, line.length, f, small, cef),
    false,
    'no room in the sink',
  );
  assert.equal(small.used + cef.used, 0);
});

test('a DEL in a value renders the same both ways: U+FFFD in neutral text, as it is in raw', () => {
  const e: AuditEvent = {
    ...base,
    actor: 've\u007fra',
    target: '=plc\u007f,1',
    details: { note: 'a\u007fb', n: 1 },
  };
  for (const text of ['neutral', 'raw'] as const) {
    const got = fromBytes('ot', '0.1.0', e, text);
    assert.ok(got !== undefined, text);
    assert.equal(got.csv, eventToCsvRecord('ot', e, undefined, text), text);
    assert.equal(got.cef, eventToCefLine('ot', e, { version: '0.1.0', text }), text);
    assert.equal(got.csv.includes('\u007f'), text === 'raw', text);
  }
  assert.match(eventToCsvRecord('ot', e), /ve\uFFFDra/);
});
