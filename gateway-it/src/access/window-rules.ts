/**
 * Time rules for maintenance windows and vendor job schedules, and the arithmetic on them.
 * A rule is either one-off (two instants) or weekly (days of the week and a start and end time,
 * both wall-clock times in the site's timezone; an end at or before the start means the next day).
 * Weekly rules follow the wall clock across daylight-saving changes: "Sun 01:00-05:00" in Berlin
 * lasts three real hours on 29 March 2026 and five on 25 October 2026 (see zoned-time.ts for
 * skipped and repeated times). Coverage is checked against the union of occurrences, so
 * back-to-back windows (Mon 22:00-24:00, Tue 00:00-06:00) cover a request that spans both.
 */
import { z } from 'zod';
import {
  addDays,
  formatLocal,
  fromLocal,
  toLocal,
  weekdayOf,
  type LocalDate,
} from './zoned-time.js';

/** Index = Date.getUTCDay(). */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** The order people read a week in (ISO 8601). */
export const WEEKDAYS_MONDAY_FIRST: readonly Weekday[] = [
  'mon',
  'tue',
  'wed',
  'thu',
  'fri',
  'sat',
  'sun',
];

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time HH:MM (24-hour)');
const epochMs = z.number().int().nonnegative();

export const weeklyRuleSchema = z.strictObject({
  kind: z.literal('weekly'),
  days: z.array(z.enum(WEEKDAYS)).min(1).max(7),
  start: hhmm,
  end: hhmm,
});

export const onceRuleSchema = z
  .strictObject({ kind: z.literal('once'), start: epochMs, end: epochMs })
  .refine((r) => r.end > r.start, { message: 'end must be after start', path: ['end'] });

export const windowRuleSchema = z.discriminatedUnion('kind', [weeklyRuleSchema, onceRuleSchema]);
export type WindowRule = z.output<typeof windowRuleSchema>;
export type WeeklyRule = z.output<typeof weeklyRuleSchema>;

export interface Interval {
  readonly start: number;
  readonly end: number;
}

/** Bounds the work for one query (a year of days); requests are far shorter. */
const MAX_DAYS = 400;

function minutesOf(hhmmText: string): [number, number] {
  const [h, m] = hhmmText.split(':').map(Number);
  return [h ?? 0, m ?? 0];
}

const dateKey = (d: LocalDate): number => Date.UTC(d.year, d.month - 1, d.day);

/** Occurrences of `rule` that overlap [from, to), in time order. */
export function occurrences(
  rule: WindowRule,
  timeZone: string,
  from: number,
  to: number,
): Interval[] {
  if (to <= from) return [];
  if (rule.kind === 'once')
    return rule.end > from && rule.start < to ? [{ start: rule.start, end: rule.end }] : [];
  const [sh, sm] = minutesOf(rule.start);
  const [eh, em] = minutesOf(rule.end);
  const overnight = eh * 60 + em <= sh * 60 + sm;
  const first = toLocal(from, timeZone);
  const last = toLocal(to, timeZone);
  const out: Interval[] = [];
  let d: LocalDate = addDays(first, -1);
  for (let i = 0; i < MAX_DAYS && dateKey(d) <= dateKey(last); i++, d = addDays(d, 1)) {
    if (!rule.days.includes(WEEKDAYS[weekdayOf(d)] ?? 'sun')) continue;
    const start = fromLocal({ ...d, hour: sh, minute: sm }, timeZone);
    const endDay = overnight ? addDays(d, 1) : d;
    const end = fromLocal({ ...endDay, hour: eh, minute: em }, timeZone);
    if (end > start && end > from && start < to) out.push({ start, end });
  }
  return out;
}

/** Sorted, merged union (touching intervals join). */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a.start - b.start);
  const out: Interval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && i.start <= last.end)
      out[out.length - 1] = { start: last.start, end: Math.max(last.end, i.end) };
    else out.push(i);
  }
  return out;
}

/** The first instant in [from, to) that no interval covers, or undefined if all of it is covered. */
export function firstUncovered(
  intervals: readonly Interval[],
  from: number,
  to: number,
): number | undefined {
  let cursor = from;
  for (const i of mergeIntervals(intervals)) {
    if (i.end <= cursor) continue;
    if (i.start > cursor) return cursor;
    cursor = i.end;
    if (cursor >= to) return undefined;
  }
  return cursor < to ? cursor : undefined;
}

/** Whether the union of every rule's occurrences covers [from, to). */
export function rulesCover(
  rules: readonly WindowRule[],
  timeZone: string,
  from: number,
  to: number,
): boolean {
  return (
    firstUncovered(
      rules.flatMap((r) => occurrences(r, timeZone, from, to)),
      from,
      to,
    ) === undefined
  );
}

/** Whether instant `t` falls inside an occurrence of any rule. */
export function rulesContain(rules: readonly WindowRule[], timeZone: string, t: number): boolean {
  return rulesCover(rules, timeZone, t, t + 1);
}

const DAY_LABEL: Record<Weekday, string> = {
  sun: 'Sun',
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
};

/** `weekly Mon, Tue 22:00-06:00` or `once 2026-03-29 01:00 - 2026-03-29 05:00`, in site time. */
export function describeRule(rule: WindowRule, timeZone: string): string {
  if (rule.kind === 'once')
    return `once ${formatLocal(rule.start, timeZone)} - ${formatLocal(rule.end, timeZone)}`;
  const days = WEEKDAYS_MONDAY_FIRST.filter((d) => rule.days.includes(d))
    .map((d) => DAY_LABEL[d])
    .join(', ');
  const overnight =
    rule.end === rule.start ? ' (24 h)' : rule.end < rule.start ? ' (next day)' : '';
  return `weekly ${days} ${rule.start}-${rule.end}${overnight}`;
}
