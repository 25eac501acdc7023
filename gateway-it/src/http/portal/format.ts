/** Time and state formatting for pages: site times in the site's zone, with the zone named. */
import { formatLocal } from '../../access/access.js';

export function siteTime(ms: number, timeZone: string): string {
  return `${formatLocal(ms, timeZone)} ${timeZone}`;
}

/**
 * `2026-06-01 10:15:07` in `timeZone` (the zone is named once, in a header or after it). Seconds
 * are the instant's own: every zone in use today is offset by whole minutes.
 */
export function secondsTime(ms: number, timeZone: string): string {
  const seconds = Math.floor((((ms % 60_000) + 60_000) % 60_000) / 1000);
  return `${formatLocal(ms, timeZone)}:${String(seconds).padStart(2, '0')}`;
}

/** `2026-06-01 10:15:07 Europe/Berlin` */
export function siteTimeSeconds(ms: number, timeZone: string): string {
  return `${secondsTime(ms, timeZone)} ${timeZone}`;
}

export function utcTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `3 h 20 min` */
export function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h === 0 ? `${m} min` : m === 0 ? `${h} h` : `${h} h ${m} min`;
}
