import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEvent } from '../../../../shared/src/audit/audit-event.js';
import { octetFrame, syslogMessage } from './syslog-message.js';

const event: AuditEvent = {
  seq: 42,
  id: 'evt_1',
  time: Date.UTC(2026, 5, 1, 20, 15),
  actor: 'vera',
  action: 'ssh.command',
  site: 'plant-1',
  target: 'hmi-1',
  outcome: 'denied',
  details: { line: 'echo "a]b" \\ | rm -rf /\nnext' },
  prevHash: '0'.repeat(64),
  hash: 'a'.repeat(64),
};

test('an event becomes one RFC 5424 message with its chain position in structured data', () => {
  const m = syslogMessage('ot', event, {
    facility: 13,
    hostname: 'gw 1',
    enterpriseId: 32473,
    payload: 'cef',
    version: '0.1.0',
  });
  assert.ok(
    m.startsWith(
      `<109>1 2026-06-01T20:15:00.000Z gw_1 airlock-ot - AL601 [airlock@32473 log="ot" site="plant-1" seq="42" id="evt_1" hash="${'a'.repeat(64)}"] CEF:0|Airlock|airlock-ot|0.1.0|AL601|ssh.command|7|`,
    ),
    m,
  );
  assert.ok(!m.includes('\n'), 'a line break in details never splits the message');
  const json = syslogMessage(
    'it',
    { ...event, site: null, outcome: 'success' },
    { facility: 13, hostname: 'gw', enterpriseId: 1, payload: 'json', version: 'x' },
  );
  assert.match(
    json,
    /^<110>1 \S+ gw airlock-it - AL601 \[airlock@1 log="it" seq="42" id="evt_1" hash="a{64}"\] \{/,
  );
  const body = JSON.parse(json.slice(json.indexOf('] {') + 2)) as Record<string, unknown>;
  assert.equal(body.seq, 42);
  assert.equal(body.code, 'AL601');
});

test('structured-data values escape quote, backslash and bracket; frames count bytes, not characters', () => {
  const m = syslogMessage(
    'it',
    { ...event, site: 'we"ird]\\' },
    { facility: 13, hostname: 'h', enterpriseId: 1, payload: 'cef', version: 'x' },
  );
  assert.ok(m.includes('site="we\\"ird\\]\\\\"'), m);
  const f = octetFrame('ü');
  assert.equal(f.toString('utf8'), '2 ü');
});
