import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeRule,
  firstUncovered,
  occurrences,
  rulesContain,
  rulesCover,
  windowRuleSchema,
  type WindowRule,
} from './window-rules.js';

const T = (s: string): number => Date.parse(s);
const hours = (i: { start: number; end: number }): number => (i.end - i.start) / 3_600_000;
const span = (i: { start: number; end: number }): string =>
  `${new Date(i.start).toISOString().slice(0, 16)}/${new Date(i.end).toISOString().slice(11, 16)}`;

// A weekly rule across each 2026 transition: [zone, rule, query day, expected UTC start, expected real hours].
const WEEKLY: readonly [string, WindowRule, string, string, number][] = [
  [
    'Europe/Berlin',
    { kind: 'weekly', days: ['sun'], start: '01:00', end: '05:00' },
    '2026-03-22',
    '2026-03-22T00:00',
    4,
  ],
  [
    'Europe/Berlin',
    { kind: 'weekly', days: ['sun'], start: '01:00', end: '05:00' },
    '2026-03-29',
    '2026-03-29T00:00',
    3,
  ],
  [
    'Europe/Berlin',
    { kind: 'weekly', days: ['sun'], start: '01:00', end: '05:00' },
    '2026-04-05',
    '2026-04-04T23:00',
    4,
  ],
  [
    'Europe/Berlin',
    { kind: 'weekly', days: ['sun'], start: '01:00', end: '05:00' },
    '2026-10-25',
    '2026-10-24T23:00',
    5,
  ],
  [
    'Europe/Berlin',
    { kind: 'weekly', days: ['sat'], start: '22:00', end: '06:00' },
    '2026-03-28',
    '2026-03-28T21:00',
    7,
  ],
  [
    'Europe/Berlin',
    { kind: 'weekly', days: ['sat'], start: '22:00', end: '06:00' },
    '2026-10-24',
    '2026-10-24T20:00',
    9,
  ],
  [
    'Europe/Berlin',
    { kind: 'weekly', days: ['sun'], start: '02:30', end: '04:00' },
    '2026-03-29',
    '2026-03-29T01:30',
    0.5,
  ],
  [
    'America/New_York',
    { kind: 'weekly', days: ['sun'], start: '00:00', end: '04:00' },
    '2026-03-08',
    '2026-03-08T05:00',
    3,
  ],
  [
    'America/New_York',
    { kind: 'weekly', days: ['sun'], start: '00:00', end: '04:00' },
    '2026-11-01',
    '2026-11-01T04:00',
    5,
  ],
  [
    'America/New_York',
    { kind: 'weekly', days: ['mon', 'fri'], start: '08:00', end: '17:00' },
    '2026-03-06',
    '2026-03-06T13:00',
    9,
  ],
  [
    'America/New_York',
    { kind: 'weekly', days: ['mon', 'fri'], start: '08:00', end: '17:00' },
    '2026-03-09',
    '2026-03-09T12:00',
    9,
  ],
  [
    'America/New_York',
    { kind: 'weekly', days: ['sun'], start: '00:00', end: '00:00' },
    '2026-11-01',
    '2026-11-01T04:00',
    25,
  ],
];

test('weekly windows follow the wall clock across the 2026 EU and US transitions', () => {
  for (const [zone, rule, day, start, real] of WEEKLY) {
    const from = T(`${day}T00:00:00Z`) - 12 * 3_600_000;
    const found = occurrences(rule, zone, from, from + 36 * 3_600_000).filter((o) =>
      new Date(o.start).toISOString().startsWith(start),
    );
    assert.equal(
      found.length,
      1,
      `${zone} ${describeRule(rule, zone)} on ${day}: got ${occurrences(
        rule,
        zone,
        from,
        from + 36 * 3_600_000,
      )
        .map(span)
        .join(', ')}`,
    );
    assert.equal(
      hours(found[0]!),
      real,
      `${zone} ${describeRule(rule, zone)} on ${day} lasts ${real} h`,
    );
  }
});

test('coverage: inside, straddling an edge, back-to-back windows, and across a DST night', () => {
  const zone = 'Europe/Berlin';
  const nightly: WindowRule = {
    kind: 'weekly',
    days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
    start: '22:00',
    end: '06:00',
  };
  // Sat 28 March 23:00 CET to Sun 29 March 05:30 CEST is inside that night's window (which ends 04:00 UTC).
  assert.equal(
    rulesCover([nightly], zone, T('2026-03-28T22:00:00Z'), T('2026-03-29T03:30:00Z')),
    true,
  );
  assert.equal(
    rulesCover([nightly], zone, T('2026-03-28T22:00:00Z'), T('2026-03-29T04:30:00Z')),
    false,
    'past 06:00 CEST',
  );
  assert.equal(
    firstUncovered(
      occurrences(nightly, zone, T('2026-03-28T22:00:00Z'), T('2026-03-29T04:30:00Z')),
      T('2026-03-28T22:00:00Z'),
      T('2026-03-29T04:30:00Z'),
    ),
    T('2026-03-29T04:00:00Z'),
  );
  const lateMon: WindowRule = { kind: 'weekly', days: ['mon'], start: '22:00', end: '00:00' };
  const earlyTue: WindowRule = { kind: 'weekly', days: ['tue'], start: '00:00', end: '06:00' };
  assert.equal(
    rulesCover([lateMon, earlyTue], zone, T('2026-06-01T21:00:00Z'), T('2026-06-02T02:00:00Z')),
    true,
    'two windows that touch cover a request across both',
  );
  assert.equal(
    rulesCover([lateMon], zone, T('2026-06-01T21:00:00Z'), T('2026-06-02T02:00:00Z')),
    false,
  );
  const once: WindowRule = {
    kind: 'once',
    start: T('2026-06-03T08:00:00Z'),
    end: T('2026-06-03T10:00:00Z'),
  };
  assert.equal(rulesContain([once], zone, T('2026-06-03T09:59:59Z')), true);
  assert.equal(
    rulesContain([once], zone, T('2026-06-03T10:00:00Z')),
    false,
    'the end is exclusive',
  );
  assert.equal(rulesContain([], zone, T('2026-06-03T09:00:00Z')), false, 'no window, no access');
});

test('rules are validated with the field named', () => {
  const bad: [unknown, RegExp][] = [
    [{ kind: 'weekly', days: [], start: '22:00', end: '06:00' }, /days/],
    [{ kind: 'weekly', days: ['mon'], start: '24:00', end: '06:00' }, /HH:MM/],
    [{ kind: 'weekly', days: ['monday'], start: '22:00', end: '06:00' }, /days/],
    [{ kind: 'once', start: 10, end: 5 }, /end must be after start/],
    [{ kind: 'monthly' }, /kind|discriminator|Invalid input/i],
  ];
  for (const [input, re] of bad) {
    const r = windowRuleSchema.safeParse(input);
    assert.equal(r.success, false);
    if (!r.success) assert.match(JSON.stringify(r.error.issues), re);
  }
  assert.equal(
    describeRule({ kind: 'weekly', days: ['tue', 'mon'], start: '22:00', end: '06:00' }, 'UTC'),
    'weekly Mon, Tue 22:00-06:00 (next day)',
  );
});
