/**
 * Operator sessions on the IT side: the one path that opens a session (SSH endpoint, port
 * forwarding, web terminal, the portal's Modbus and OPC UA pages all call `live.open`), the
 * registry of live sessions and their output tap for supervision, and the command lines a site's
 * SSH filter holds for an OT owner's review.
 *
 * Guarantees: a session opens only after the access check and a signed ticket (access/), and the
 * site's own verification (through SiteCommands); every start, refusal and end is audited once.
 * When access announces that a grant or a site's sessions end (revocation, expiry, lockdown), the
 * local sessions end at once, without waiting for the site. Held lines are kept only for a live
 * session this gateway opened at that site, shown to and decided by that site's OT owners only
 * (never the operator), and a decision is recorded only if the site could be told; the link hands
 * held lines here through the inbox registered with it. Not here: anything on the OT side (the
 * site enforces expiry by its own clock and times out reviews).
 */
import type { Clock } from '../../../shared/src/clock.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Logger } from '../../../shared/src/log.js';
import type { Access } from '../access/access.js';
import type { Links } from '../link/link.js';
import type { SiteCommands } from '../sites/sites.js';
import type { ItStore } from '../store/store.js';
import { CommandReviews } from './command-reviews.js';
import { OperatorSessions } from './operator-sessions.js';

export type { CommandReviews, ReviewVerb } from './command-reviews.js';
export type { LiveSession, LiveSessionInfo, SessionVia, Unsubscribe } from './live-session.js';
export {
  accessRefusal,
  type OperatorSessions,
  type SessionEvent,
  type SessionOpenRequest,
} from './operator-sessions.js';

export interface Sessions {
  /** Opens operator sessions and keeps the registry of live ones. */
  readonly live: OperatorSessions;
  /** Command lines the sites hold for an OT owner's review. */
  readonly reviews: CommandReviews;
  /** Gateway stop: refuses new sessions and ends the live ones with `reason`. */
  close(reason: string): void;
}

export interface SessionsDeps {
  readonly store: Pick<ItStore, 'db' | 'audit' | 'users' | 'reviews'>;
  readonly access: Pick<Access, 'tickets' | 'onSessionsEnd'>;
  readonly siteCommands: Pick<SiteCommands, 'openSession' | 'endSession' | 'sendReviewDecision'>;
  /** Where held lines arrive: the review inbox is registered with the link. */
  readonly links: Pick<Links, 'onReviews'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
}

export function createSessions(deps: SessionsDeps): Sessions {
  const { store, access, siteCommands, clock } = deps;
  const live = new OperatorSessions({
    tickets: access.tickets,
    siteCommands,
    userName: (id) => store.users.getById(id)?.name,
    audit: store.audit,
    clock,
    log: deps.log.child({ component: 'sessions' }),
  });
  access.onSessionsEnd((e) => {
    switch (e.type) {
      case 'grant':
        live.endGrant(e.grantId, e.reason);
        return;
      case 'lockdown':
        live.endSite(e.site, `site locked down: ${e.reason}`);
        return;
      default: {
        const never: never = e;
        return never;
      }
    }
  });
  const reviews = new CommandReviews({
    db: store.db,
    audit: store.audit,
    store: store.reviews,
    clock,
    ids: deps.ids,
    log: deps.log.child({ component: 'reviews' }),
    sessionOf: (id) => live.get(id)?.info,
    deliver: (site, m) => siteCommands.sendReviewDecision(site, m),
  });
  deps.links.onReviews(reviews);
  return { live, reviews, close: (reason) => live.closeAll(reason) };
}
