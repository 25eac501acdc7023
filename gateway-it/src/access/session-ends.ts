/**
 * What access decided must end, told to whoever keeps live sessions on this side. Revocation,
 * expiry and lockdown reach the site through SiteCommands; the same decision is announced here
 * first, so the local side of a live session is cut at once even when the site cannot be reached.
 * A listener that throws is logged and never stops the command to the site.
 */
import type { Logger } from '../../../shared/src/log.js';
import type { AccessDeps } from './access-deps.js';

export type SessionsEnd =
  /** A grant was revoked or expired: its sessions end. */
  | {
      readonly type: 'grant';
      readonly site: string;
      readonly grantId: string;
      readonly reason: string;
    }
  /** The site was locked down: all its sessions end. */
  | { readonly type: 'lockdown'; readonly site: string; readonly reason: string };

export type SessionsEndListener = (e: SessionsEnd) => void;

/** The site commands the access services use: each announces the ends it asks for, then sends. */
export function announcingSiteCommands(
  base: AccessDeps['siteCommands'],
  listeners: ReadonlySet<SessionsEndListener>,
  log: Logger,
): AccessDeps['siteCommands'] {
  const announce = (e: SessionsEnd): void => {
    for (const l of listeners) {
      try {
        l(e);
      } catch (err) {
        log.warn('a session-end listener failed', { type: e.type, site: e.site, err });
      }
    }
  };
  return {
    setLockdown: async (site, on, reason) => {
      if (on) announce({ type: 'lockdown', site, reason });
      return base.setLockdown(site, on, reason);
    },
    endGrantSessions: async (site, grantId, reason) => {
      announce({ type: 'grant', site, grantId, reason });
      return base.endGrantSessions(site, grantId, reason);
    },
  };
}
