import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TicketRecord } from './connector.js';
import { parseTableDate } from './table-api-connector.js';
import { judgeRecord } from './ticket-policy.js';

const T0 = Date.UTC(2026, 5, 1, 8);
const hour = 3_600_000;
const record: TicketRecord = {
  number: 'CHG1',
  kind: 'change',
  state: 'Implement',
  stateValue: '-1',
  assignedTo: 'alice',
  plannedStart: T0,
  plannedEnd: T0 + 4 * hour,
  cis: ['HMI-1', 'PLC-1'],
};
const rules = { allowedStates: ['Scheduled', 'implement'] };
const req = (from: number, to: number, cis = ['HMI-1']) => ({
  assets: cis.map((ci, i) => ({ asset: `a${i}`, ci })),
  startsAt: T0 + from * hour,
  endsAt: T0 + to * hour,
});

test('a record allows only in an allowed state, covering the whole window, naming every CI', () => {
  const cases: [string, TicketRecord, ReturnType<typeof req>, RegExp | true][] = [
    ['inside, state without case', record, req(0, 4), true],
    [
      'the raw state value counts',
      { ...record, state: 'Umsetzen', stateValue: 'implement' },
      req(1, 2),
      true,
    ],
    ['wrong state', { ...record, state: 'Closed', stateValue: '3' }, req(1, 2), /state "Closed"/],
    ['starts before', record, req(-1, 2), /falls outside/],
    ['ends after', record, req(1, 5), /falls outside/],
    ['no planned end', { ...record, plannedEnd: null }, req(1, 2), /no planned start and end/],
    [
      'a CI it does not list',
      record,
      req(1, 2, ['HMI-1', 'OPC-1']),
      /does not name a1 \(CI OPC-1\)/,
    ],
    ['CIs compared without case', record, req(1, 2, ['hmi-1', 'plc-1']), true],
    ['no CIs listed: not checked', { ...record, cis: [] }, req(1, 2, ['ANY']), true],
  ];
  for (const [name, r, q, want] of cases) {
    const j = judgeRecord(r, rules, q);
    if (want === true) assert.equal(j.allow, true, `${name}: ${j.reason}`);
    else {
      assert.equal(j.allow, false, name);
      assert.match(j.reason, want, name);
    }
  }
});

test('table dates: the platform UTC format, ISO 8601, empty; anything else is malformed', () => {
  assert.equal(parseTableDate('2026-06-01 08:00:00', 'start_date'), T0);
  assert.equal(parseTableDate('2026-06-01T10:00:00+02:00', 'start_date'), T0);
  assert.equal(parseTableDate('', 'start_date'), null);
  assert.throws(
    () => parseTableDate('next tuesday', 'end_date'),
    /the record's end_date is not a date: next tuesday/,
  );
  assert.throws(() => parseTableDate('2026-13-45 99:00:00', 'end_date'), /not a date/);
});
