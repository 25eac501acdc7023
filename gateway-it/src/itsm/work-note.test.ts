import { test } from 'node:test';
import assert from 'node:assert/strict';
import { composeWorkNote } from './work-note.js';

const T0 = Date.UTC(2026, 5, 1, 8);

test('the work note says who, what, when, how much, links the record, and carries no command text', () => {
  const note = composeWorkNote({
    ticket: 'CHG1',
    site: 'plant-1',
    grantId: 'grt_1',
    user: 'alice',
    assets: [{ asset: 'hmi-1', protocol: 'ssh', profile: 'maintenance' }],
    notBefore: T0,
    notAfter: T0 + 3_600_000,
    endedAt: T0 + 3_600_000,
    ending: 'expired',
    activity: [
      { action: 'session.start', outcome: 'success', n: 2, first: T0 + 60_000, last: T0 + 120_000 },
      { action: 'ssh.command', outcome: 'success', n: 5, first: T0 + 61_000, last: T0 + 200_000 },
      {
        action: 'ssh.command_deny',
        outcome: 'denied',
        n: 1,
        first: T0 + 70_000,
        last: T0 + 70_000,
      },
      { action: 'modbus.write', outcome: 'success', n: 3, first: T0 + 80_000, last: T0 + 90_000 },
      { action: 'modbus.deny', outcome: 'denied', n: 2, first: T0 + 85_000, last: T0 + 86_000 },
      { action: 'session.end', outcome: 'success', n: 2, first: T0 + 300_000, last: T0 + 400_000 },
    ],
    link: 'https://airlock.example/requests/req_1',
  });
  assert.equal(
    note,
    [
      'Airlock: access under CHG1 has ended (grant grt_1, site plant-1).',
      'Who: alice',
      'What: hmi-1 (ssh, profile maintenance)',
      'Granted: 2026-06-01T08:00:00.000Z to 2026-06-01T09:00:00.000Z; ended 2026-06-01T09:00:00.000Z (expired)',
      'Sessions: 2, from 2026-06-01T08:01:00.000Z to 2026-06-01T08:06:40.000Z',
      'Commands: 5; writes: 3; refusals: 3',
      'Record: https://airlock.example/requests/req_1',
    ].join('\n'),
  );
});
