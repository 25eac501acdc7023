/**
 * What waits for the signed-in person, live: `GET /events/pending` is a server-sent event stream
 * (portal session only) that sends `{requests, reviews, playbacks}` at once and again whenever an
 * audited action may have changed them (notify/'s pending feed), only when the counts changed. The
 * header's count and the inbox, review and dashboard pages use it (browser/portal.ts) to show new
 * items without a reload. It carries counts only; the pages are fetched again as the user.
 *
 * A stream lives at most 10 minutes of the gateway's clock, then the browser reconnects (and so
 * logs in again, or is refused once its session ended); a comment line every 25 s keeps proxies
 * from closing it.
 */
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { isAuditorOf, isOtOwnerOf } from '../../access/access.js';
import type { PendingCounts } from '../../notify/notify.js';
import type { User } from '../../store/store.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { viewer } from './portal-context.js';

const STREAM_LIFETIME_MS = 10 * 60_000;
const HEARTBEAT_MS = 25_000;

/** Requests the user may decide, lines they may review, playbacks they may approve. */
export function pendingCounts(s: AccessHttpServices, user: User): PendingCounts {
  const requests = s.access.requests.inbox(user).filter((i) => i.canDecide).length;
  const reviews = s.reviews.pendingFor(user).filter((r) => r.requesterId !== user.id).length;
  const sites = [
    ...new Set(user.roles.flatMap((r) => (r.site === undefined ? [] : [r.site]))),
  ].filter((site) => isOtOwnerOf(user, site) || isAuditorOf(user, site));
  const playbacks = sites
    .flatMap((site) => s.audit.playback.list(user, site, 200))
    .filter((p) => p.state === 'pending' && p.requester !== user.name).length;
  return { requests, reviews, playbacks };
}

export function liveRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  app.get('/events/pending', (c) => {
    const v = viewer(c, s);
    return streamSSE(c, async (stream) => {
      let last = '';
      let wake: () => void = () => undefined;
      let ended = false;
      // Set by every change signal, so one that comes while a count is being written is not lost.
      let dirty = true;
      const end = (): void => {
        ended = true;
        wake();
      };
      const off = s.notify.pending.onChange(() => {
        dirty = true;
        wake();
      });
      const lifetime = s.clock.setTimeout(end, STREAM_LIFETIME_MS);
      const heartbeat = s.clock.setInterval(
        () => void stream.write(': keep-alive\n\n'),
        HEARTBEAT_MS,
      );
      stream.onAbort(end);
      try {
        while (!ended && !stream.aborted) {
          if (!dirty) await new Promise<void>((resolve) => (wake = resolve));
          if (ended || stream.aborted) break;
          dirty = false;
          const data = JSON.stringify(pendingCounts(s, v.user));
          if (data !== last) {
            last = data;
            await stream.writeSSE({ event: 'pending', data });
          }
        }
      } finally {
        off();
        lifetime.cancel();
        heartbeat.cancel();
      }
    });
  });
  return app;
}
