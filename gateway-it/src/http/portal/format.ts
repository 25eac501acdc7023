/** Time and state formatting for pages: site times in the site's zone, with the zone named. */
import { formatLocal } from '../../access/access.js';

export function siteTime(ms: number, timeZone: string): string {
  return `${formatLocal(ms, timeZone)} ${timeZone}`;
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
