/**
 * A BrokerSession for testing one broker without the link: a real audit log (in-memory SQLite,
 * real signing key), a ticket with test defaults, and an AbortController to end the session the
 * way the link would.
 */
import { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import type { Clock } from '../../../shared/src/clock.js';
import { generateSigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { sequentialIds } from '../../../shared/src/ids.js';
import { silentLogger } from '../../../shared/src/log.js';
import type { SessionTicket } from '../../../shared/src/model/session-ticket.js';
import { testTicket } from '../../../shared/src/testing/test-ticket.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { AssetPolicy } from '../policy/local-policy.js';
import type { SessionCounts } from '../store/store.js';
import type { BrokerSession } from './protocol-broker.js';

export interface TestBrokerSession {
  readonly session: BrokerSession;
  readonly abort: AbortController;
  /** Events this session recorded, in order. */
  events(action?: string): AuditEvent[];
  /** The broker's counters now (as the gateway would read them), undefined if it tracks none; and how many changes it reported. */
  counts(): { readonly values: SessionCounts | undefined; readonly changes: number };
}

export function createTestAudit(db: Db, clock: Clock): AuditLog {
  return new AuditLog({ db, clock, ids: sequentialIds(), signingKey: generateSigningKeyPair() });
}

let counter = 0;

export function makeBrokerSession(options: {
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly assetName: string;
  readonly asset: AssetPolicy;
  /** The asset in the policy in force now (a reload); default: `asset` for the whole session. */
  readonly currentAsset?: () => AssetPolicy | undefined;
  readonly profileName: string;
  readonly ticket?: Partial<SessionTicket>;
}): TestBrokerSession {
  const now = options.clock.now();
  counter++;
  const ticket = testTicket(
    {
      sessionId: `ses_test${counter}`,
      grantId: `grt_test${counter}`,
      asset: options.assetName,
      protocol: 'ssh',
      profile: options.profileName,
      channel: 'ssh-session',
      ...options.ticket,
    },
    now,
  );
  const abort = new AbortController();
  const first = options.audit.head().seq + 1;
  let readCounts: (() => SessionCounts) | undefined;
  let changes = 0;
  const session: BrokerSession = {
    ticket,
    assetName: options.assetName,
    asset: options.asset,
    currentAsset: options.currentAsset ?? (() => options.asset),
    profileName: options.profileName,
    log: silentLogger,
    clock: options.clock,
    signal: abort.signal,
    trackCounts(read) {
      readCounts = read;
    },
    countsChanged() {
      changes++;
    },
    audit(e) {
      options.audit.append({
        ...e,
        actor: e.actor ?? ticket.user.name,
        site: ticket.site,
        details: { ...e.details, sessionId: ticket.sessionId, grantId: ticket.grantId },
      });
    },
  };
  return {
    session,
    abort,
    counts: () => ({ values: readCounts?.(), changes }),
    events(action) {
      const out: AuditEvent[] = [];
      for (let seq = first; seq <= options.audit.head().seq; seq++) {
        const e = options.audit.get(seq);
        if (
          e !== undefined &&
          e.details['sessionId'] === ticket.sessionId &&
          (action === undefined || e.action === action)
        )
          out.push(e);
      }
      return out;
    },
  };
}
