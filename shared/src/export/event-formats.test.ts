import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEvent } from '../audit/audit-event.js';
import { canonicalJson } from '../crypto/canonical.js';
import {
  auditCodeOf,
  csvCell,
  eventToCef,
  eventToCsvRecord,
  eventToJsonLine,
  isoTime,
} from './event-formats.js';

const event: AuditEvent = {
  seq: 42,
  id: 'evt_1',
  time: Date.UTC(2026, 5, 1, 20, 15, 0, 7),
  actor: 'vera',
  action: 'ssh.command',
  site: 'plant-1',
  target: 'hmi|1',
  outcome: 'denied',
  details: { command: 'a=b\\c\nrm -rf /' },
  prevHash: 'b'.repeat(64),
  hash: 'a'.repeat(64),
};

test('isoTime is exactly Date#toISOString, across days, years and the edges of the Date range', () => {
  const samples = [
    0,
    1,
    999,
    1000,
    59_999,
    86_399_999,
    86_400_000,
    Date.UTC(2026, 1, 28, 23, 59, 59, 999),
    Date.UTC(2028, 1, 29, 12),
    Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    Date.UTC(10_000, 0, 1),
    8.64e15,
  ];
  let x = 1;
  for (let i = 0; i < 2000; i++) {
    x = (x * 48271) % 2147483647;
    samples.push(Math.floor((x / 2147483647) * 4_102_444_800_000)); // up to the year 2100
  }
  for (const ms of samples) assert.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
  assert.throws(
    () => isoTime(8.64e15 + 1),
    RangeError,
    'outside the Date range it fails as toISOString does',
  );
});

test('CEF and CSV renderings escape what their formats require, and stay one line', () => {
  assert.equal(
    eventToCef('ot', event, { version: '0.1.0' }),
    `CEF:0|Airlock|airlock-ot|0.1.0|${eventToCef('ot', event, { version: '0.1.0' }).split('|')[4] ?? ''}|ssh.command|7|rt=${event.time} externalId=evt_1 suser=vera act=ssh.command outcome=denied cs1Label=site cs1=plant-1 cs2Label=target cs2=hmi|1 cs3Label=details cs3={"command":"a\\=b\\\\\\\\c\\\\nrm -rf /"} cs4Label=log cs4=ot cn1Label=seq cn1=42 cs5Label=hash cs5=${'a'.repeat(64)}`,
  );
  assert.equal(
    eventToCef('it', { ...event, action: 'x|y' }, { version: 'v\\1' })
      .split('|')
      .slice(0, 7)
      .join('|'),
    'CEF:0|Airlock|airlock-it|v\\\\1|unknown|x\\|y',
  );
  assert.equal(
    eventToCsvRecord('ot', { ...event, actor: '=cmd' }),
    `ot,42,2026-06-01T20:15:00.007Z,evt_1,'=cmd,ssh.command,${eventToCsvRecord('ot', event).split(',')[6] ?? ''},denied,plant-1,hmi|1,"{""command"":""a=b\\\\c\\nrm -rf /""}",${'a'.repeat(64)}\r\n`,
  );
});

test('the CSV record of a valid event is every cell through csvCell, joined (the fast path skips only cells the schema keeps safe)', () => {
  const reference = (e: AuditEvent): string =>
    `${['ot', String(e.seq), isoTime(e.time), e.id, e.actor, e.action, auditCodeOf(e.action), e.outcome, e.site ?? '', e.target ?? '', canonicalJson(e.details), e.hash].map((v) => csvCell(v)).join(',')}\r\n`;
  const odd = [
    '',
    '=1+1',
    '+x',
    '-x',
    '@x',
    '\tx',
    '\rx',
    'a,b',
    'say "hi"',
    'two\nlines',
    'plain',
    'ünï',
  ];
  let i = 0;
  for (const time of [
    0,
    event.time,
    Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    Date.UTC(10_000, 0, 1),
    8.64e15,
  ]) {
    for (const text of odd) {
      const e: AuditEvent = {
        ...event,
        seq: ++i,
        time,
        id: `evt,${text}`,
        actor: text || 'x',
        action: text === '' ? 'ssh.command' : text,
        site: text === 'plain' ? null : text,
        target: text === 'a,b' ? null : text,
        details: { text },
        outcome: i % 2 === 0 ? 'success' : 'failure',
      };
      assert.equal(eventToCsvRecord('ot', e), reference(e), JSON.stringify(e));
    }
  }
});

test('neutral text (bundle format 2, SIEM) shows no control character or bidi override; raw keeps them', () => {
  const e: AuditEvent = {
    ...event,
    actor: '\u001b[31mroot',
    target: 'hmi-1\u202Etxt.exe',
    details: { line: 'ls\u009b2J', del: '\u007f' },
  };
  const csv = eventToCsvRecord('ot', e);
  const cef = eventToCef('ot', e, { version: '0.1.0' });
  for (const out of [csv, cef]) {
    assert.doesNotMatch(
      out,
      /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/,
    );
    assert.match(out, /\uFFFD\[31mroot/);
    assert.match(out, /hmi-1\uFFFDtxt\.exe/);
  }
  assert.match(eventToCsvRecord('ot', e, undefined, 'raw'), /\u001b\[31mroot/);
  assert.match(eventToCef('ot', e, { version: '0.1.0', text: 'raw' }), /hmi-1\u202Etxt/);
});

test('the assembled JSON line is byte for byte the canonical encoding of the event', () => {
  const base = {
    seq: 12,
    id: 'evt_12',
    time: 1_767_225_600_123,
    actor: 'vera "the operator"',
    action: 'modbus.write',
    site: null,
    target: 'plc-\u202e1',
    outcome: 'denied' as const,
    details: { z: [1, 'two', null], a: { y: true, b: 'é\n' }, '': 0, é: -1.5 },
    prevHash: '0'.repeat(64),
    hash: 'a'.repeat(64),
  };
  for (const e of [base, { ...base, site: 'plant-1', target: null, details: {} }]) {
    assert.equal(eventToJsonLine(e), `${canonicalJson(e)}\n`);
    assert.equal(eventToJsonLine(e, canonicalJson(e.details)), `${canonicalJson(e)}\n`);
  }
  // An event carrying an extra key (not an AuditEvent) still gets the general encoder's bytes.
  const odd = { ...base, extra: 1 } as unknown as Parameters<typeof eventToJsonLine>[0];
  assert.equal(eventToJsonLine(odd), `${canonicalJson(odd)}\n`);
});
