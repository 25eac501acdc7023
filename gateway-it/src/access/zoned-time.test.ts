import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromLocal, offsetAt, parseLocalDateTime, toLocal, formatLocal } from './zoned-time.js';

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 16) + 'Z';
const local = (text: string) => {
  const l = parseLocalDateTime(text);
  if (l === undefined) throw new Error(`bad local time ${text}`);
  return l;
};

// The 2026 transitions: EU on 29 March and 25 October at 01:00 UTC; US on 8 March and 1 November at 02:00 local.
const CASES: readonly [zone: string, wall: string, utc: string, why: string][] = [
  ['Europe/Berlin', '2026-03-29T01:59', '2026-03-29T00:59Z', 'last minute of CET'],
  [
    'Europe/Berlin',
    '2026-03-29T02:00',
    '2026-03-29T01:00Z',
    'skipped: moves forward by the gap (03:00 CEST)',
  ],
  [
    'Europe/Berlin',
    '2026-03-29T02:30',
    '2026-03-29T01:30Z',
    'skipped: moves forward by the gap (03:30 CEST)',
  ],
  ['Europe/Berlin', '2026-03-29T03:00', '2026-03-29T01:00Z', 'first minute of CEST'],
  ['Europe/Berlin', '2026-10-25T01:59', '2026-10-24T23:59Z', 'CEST before the overlap'],
  [
    'Europe/Berlin',
    '2026-10-25T02:30',
    '2026-10-25T00:30Z',
    'repeated: the earlier (CEST) instant',
  ],
  ['Europe/Berlin', '2026-10-25T03:00', '2026-10-25T02:00Z', 'CET after the overlap'],
  [
    'Europe/London',
    '2026-03-29T01:30',
    '2026-03-29T01:30Z',
    'skipped in London: GMT+0 before, lands at 02:30 BST',
  ],
  ['Europe/London', '2026-10-25T01:30', '2026-10-25T00:30Z', 'repeated in London: BST instant'],
  ['America/New_York', '2026-03-08T01:59', '2026-03-08T06:59Z', 'last minute of EST'],
  ['America/New_York', '2026-03-08T02:30', '2026-03-08T07:30Z', 'skipped: 03:30 EDT'],
  ['America/New_York', '2026-03-08T03:00', '2026-03-08T07:00Z', 'first minute of EDT'],
  [
    'America/New_York',
    '2026-11-01T01:30',
    '2026-11-01T05:30Z',
    'repeated: the earlier (EDT) instant',
  ],
  ['America/New_York', '2026-11-01T02:00', '2026-11-01T07:00Z', 'EST after the overlap'],
  ['America/Chicago', '2026-03-08T02:15', '2026-03-08T08:15Z', 'skipped in Chicago: 03:15 CDT'],
  ['America/Los_Angeles', '2026-11-01T01:45', '2026-11-01T08:45Z', 'repeated in LA: PDT instant'],
  ['Asia/Kolkata', '2026-03-29T02:30', '2026-03-28T21:00Z', 'a half-hour offset without DST'],
  ['UTC', '2026-03-29T02:30', '2026-03-29T02:30Z', 'UTC is UTC'],
];

test('local times convert to instants across the 2026 EU and US transitions', () => {
  for (const [zone, wall, utc, why] of CASES)
    assert.equal(iso(fromLocal(local(wall), zone)), utc, `${zone} ${wall}: ${why}`);
});

test('instants read back as the wall clock, except for skipped times', () => {
  for (const [zone, wall, utc] of CASES) {
    const back = formatLocal(Date.parse(utc), zone).replace(' ', 'T');
    const skipped =
      (zone === 'Europe/Berlin' && wall.startsWith('2026-03-29T02')) ||
      (zone === 'Europe/London' && wall === '2026-03-29T01:30') ||
      wall === '2026-03-08T02:30' ||
      wall === '2026-03-08T02:15';
    if (!skipped) assert.equal(back, wall, `${zone} ${utc}`);
  }
});

test('offsets come from the platform tz data', () => {
  assert.equal(offsetAt(Date.parse('2026-03-29T00:59:00Z'), 'Europe/Berlin'), 60 * 60_000);
  assert.equal(offsetAt(Date.parse('2026-03-29T01:00:00Z'), 'Europe/Berlin'), 120 * 60_000);
  assert.equal(offsetAt(Date.parse('2026-11-01T06:00:00Z'), 'America/New_York'), -300 * 60_000);
  assert.deepEqual(toLocal(Date.parse('2026-11-01T05:30:00Z'), 'America/New_York'), {
    year: 2026,
    month: 11,
    day: 1,
    hour: 1,
    minute: 30,
  });
});

test('datetime-local text is parsed strictly', () => {
  assert.deepEqual(parseLocalDateTime('2026-03-29T02:30'), {
    year: 2026,
    month: 3,
    day: 29,
    hour: 2,
    minute: 30,
  });
  for (const bad of [
    '2026-02-30T10:00',
    '2026-03-29T24:00',
    '2026-3-29T02:30',
    '2026-03-29',
    'yesterday',
  ])
    assert.equal(parseLocalDateTime(bad), undefined, bad);
});
