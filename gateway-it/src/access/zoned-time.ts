/**
 * Wall-clock time in a site's IANA timezone, through the platform's Intl data (no home-made
 * tables). Converting a local time to an instant follows the rule Temporal calls `compatible`:
 * a time that does not exist (skipped at the spring-forward change) moves forward by the length
 * of the gap (02:30 becomes 03:30), and a time that exists twice (at the fall-back change) means
 * the earlier of the two instants. Minute resolution; seconds are not part of wall-clock rules.
 */
export interface LocalDate {
  readonly year: number;
  /** 1-12 */
  readonly month: number;
  readonly day: number;
}

export interface LocalDateTime extends LocalDate {
  readonly hour: number;
  readonly minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock reading in `timeZone` at instant `ms` (seconds dropped). */
export function toLocal(ms: number, timeZone: string): LocalDateTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
  };
}

/** The local reading expressed as if it were UTC, in ms: the "wall" number used for comparisons. */
function wallMs(l: LocalDateTime): number {
  return Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute);
}

/** Offset of `timeZone` from UTC at instant `ms`, in ms (positive east of Greenwich). */
export function offsetAt(ms: number, timeZone: string): number {
  const minute = Math.floor(ms / 60_000) * 60_000;
  return wallMs(toLocal(minute, timeZone)) - minute;
}

/** The instant at which clocks in `timeZone` read `local` (see the module note for gaps and overlaps). */
export function fromLocal(local: LocalDateTime, timeZone: string): number {
  const wall = wallMs(local);
  // Offsets a day either side bracket any transition near this time (zones change at most once a day).
  const before = offsetAt(wall - 86_400_000, timeZone);
  const after = offsetAt(wall + 86_400_000, timeZone);
  const candidates = [wall - before, wall - after].filter(
    (t) => wallMs(toLocal(t, timeZone)) === wall,
  );
  if (candidates.length > 0) return Math.min(...candidates);
  // In a gap: read the time with the offset in force before the change, which lands after the gap.
  return wall - before;
}

export function addDays(d: LocalDate, days: number): LocalDate {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** 0 = Sunday ... 6 = Saturday, as Date.getUTCDay. */
export function weekdayOf(d: LocalDate): number {
  return new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `2026-03-29 02:30` in the zone, for people reading the portal. */
export function formatLocal(ms: number, timeZone: string): string {
  const l = toLocal(ms, timeZone);
  return `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)} ${pad(l.hour)}:${pad(l.minute)}`;
}

/** `2026-03-29T02:30`, the value an <input type="datetime-local"> holds. */
export function formatLocalInput(ms: number, timeZone: string): string {
  return formatLocal(ms, timeZone).replace(' ', 'T');
}

/** Parses `YYYY-MM-DDTHH:MM` (a datetime-local value) as a local time; undefined if it is not one. */
export function parseLocalDateTime(text: string): LocalDateTime | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const check = new Date(Date.UTC(year, month - 1, day, hour, minute));
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute
  )
    return undefined;
  return { year, month, day, hour, minute };
}
