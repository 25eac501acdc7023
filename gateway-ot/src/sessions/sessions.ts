/**
 * The sessions subsystem: every session the OT gateway brokers, from the IT side's `open` to its
 * end. It owns the protocol brokers (one per registered protocol the local policy has assets of,
 * built here from the protocol modules), the live session table, the lines brokers hold for an OT
 * owner's review while the link carries them, the IT side's commands, and the lockdown watch.
 *
 * Guarantees: a session opens only on this gateway's own verdict on its ticket (grants/), is handed
 * to the broker of its protocol and to no other, and ends, by this gateway's clock whatever the
 * link does, at the grant's end or the local session limit, on an IT command, on lockdown (local
 * lockdowns within LOCKDOWN_POLL_MS), when its data connection closes, when the link has been lost
 * for the site's grace (unless its policy keeps sessions without the link), and at stop; `session.start`
 * and `session.end` are audited, and a session a crash cut gets its `session.end` (reason
 * `gateway_crash`) at the next start. A held review is denied unless an OT owner allows it in time.
 * Not here: what a protocol allows inside a session (each broker enforces its profile), the link
 * itself (link/ carries the commands, data connections and reviews), and the vault.
 *
 * The interface a protocol implements (`ProtocolModule`, `ProtocolBroker`, `BrokerSession`) is
 * defined here and re-exported below; protocol folders import it from this module only.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock, TimerHandle } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Logger } from '../../../shared/src/log.js';
import type { Protocol } from '../../../shared/src/model/session-ticket.js';
import type { Grants } from '../grants/grants.js';
import type { Owners } from '../owners/owners.js';
import type { LocalPolicy } from '../policy/policy.js';
import type { Recordings } from '../recording/recording.js';
import type { OpenSessionStore } from '../store/store.js';
import type { CredentialSource } from '../vault/vault.js';
import { createItCommands, type ItCommands } from './it-commands.js';
import { createLinkLossRule, type LinkState } from './link-loss.js';
import { watchLockdown } from './lockdown-watch.js';
import type {
  BrokerDeps,
  ProfileLearning,
  ProtocolBroker,
  ProtocolModule,
} from './protocol-broker.js';
import { ReviewRequests } from './review-requests.js';
import { SessionManager } from './session-manager.js';

export type {
  BrokerAuditInput,
  BrokerDeps,
  BrokerSession,
  ControlMessage,
  OperatorChannel,
  ProfileLearning,
  ProtocolBroker,
  ProtocolModule,
  RequestReview,
  ReviewDecision,
  ReviewVerdict,
  SessionEnd,
} from './protocol-broker.js';
export type { SessionCounts } from '../store/store.js';
export type { CommandOutcome, ItCommands } from './it-commands.js';
export type { LinkState } from './link-loss.js';
export type { DataDialer, OpenOutcome, SessionManager } from './session-manager.js';
export type { ReviewRequests } from './review-requests.js';
export { scheduleDeadline, type DeadlineHandlers } from './session-deadline.js';

export interface SessionsDeps {
  /** The registered protocol modules. */
  readonly protocols: readonly ProtocolModule[];
  /** Fakes for tests: each replaces the broker its protocol's module would build. */
  readonly brokers: readonly ProtocolBroker[];
  /** The policy in force (policy/ LivePolicy.current): read at each check. */
  readonly policy: () => LocalPolicy;
  readonly grants: Grants;
  /** OT owners' passkeys: checks the signed approvals of owner-signed sites. */
  readonly owners: Owners;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
  readonly site: string;
  /** The enrolled IT gateway's ticket-signing key (read at each verification). */
  readonly grantPublicKey: () => Uint8Array | undefined;
  /** What the brokers are built with (BrokerDeps, but for the reviews, which are held here). */
  readonly credentials: CredentialSource;
  readonly recordings: Recordings;
  readonly dataDir: string;
  readonly learning: ProfileLearning;
  /** Sessions started and not yet ended (store), so a crash's cut sessions are closed at start. */
  readonly openSessions: OpenSessionStore;
}

export interface Sessions {
  /** The live sessions. */
  readonly live: SessionManager;
  /** Held lines, for the link to carry to the IT side and back. */
  readonly reviews: ReviewRequests;
  /** What the IT side may ask (the link carries the asks). */
  readonly commands: ItCommands;
  /** The link reports itself up and down here; live sessions follow the site's rule for link loss. */
  readonly linkState: LinkState;
  /**
   * Closes the sessions a crash left open (`session.end`, reason `gateway_crash`; returns their
   * ids), then starts the lockdown watch. Call before the link takes sessions.
   */
  start(): string[];
  /** Ends every session, waits (bounded) for the brokers to finish, then closes the brokers. */
  stop(reason: string): Promise<void>;
  /** After a policy reload: builds the broker of each protocol the policy now uses for the first time. */
  addBrokers(): Promise<void>;
}

/** The brokers this gateway runs: the injected ones, and one per other protocol the policy uses. */
async function buildBrokers(
  deps: SessionsDeps,
  brokerDeps: BrokerDeps,
): Promise<Map<Protocol, ProtocolBroker>> {
  const brokers = new Map<Protocol, ProtocolBroker>();
  for (const b of deps.brokers) {
    if (brokers.has(b.protocol))
      throw new AirlockError(
        'internal',
        'broker.duplicate',
        `two brokers registered for ${b.protocol}`,
      );
    brokers.set(b.protocol, b);
  }
  await addUsedBrokers(deps, brokerDeps, brokers);
  return brokers;
}

/** Adds a broker for each protocol the policy in force has assets of and no broker yet. */
async function addUsedBrokers(
  deps: SessionsDeps,
  brokerDeps: BrokerDeps,
  brokers: Map<Protocol, ProtocolBroker>,
): Promise<void> {
  const used = new Set(Object.values(deps.policy().assets).map((a) => a.protocol));
  for (const m of deps.protocols)
    if (used.has(m.protocol) && !brokers.has(m.protocol))
      brokers.set(m.protocol, await m.createBroker(brokerDeps));
}

export async function createSessions(deps: SessionsDeps): Promise<Sessions> {
  const { clock, grants } = deps;
  const reviews = new ReviewRequests({
    clock,
    ids: deps.ids,
    log: deps.log.child({ component: 'reviews' }),
  });
  const brokerDeps: BrokerDeps = {
    credentials: deps.credentials,
    recordings: deps.recordings,
    requestReview: (session, line, why, timeoutMs) =>
      reviews.request(session, line, why, timeoutMs),
    dataDir: deps.dataDir,
    learning: deps.learning,
  };
  const brokers = await buildBrokers(deps, brokerDeps);
  const live = new SessionManager({
    audit: deps.audit,
    clock,
    log: deps.log.child({ component: 'sessions' }),
    site: deps.site,
    policy: deps.policy,
    brokers,
    verifier: grants.verifier,
    ownerApprovals: deps.owners.approvals,
    lockdown: grants.lockdown,
    grantPublicKey: deps.grantPublicKey,
    openSessions: deps.openSessions,
  });
  let watch: TimerHandle | undefined;
  const linkLoss = createLinkLossRule({
    clock,
    log: deps.log.child({ component: 'sessions' }),
    limits: () => deps.policy().limits,
    sessions: live,
  });
  return {
    live,
    reviews,
    commands: createItCommands({ sessions: live, lockdown: grants.lockdown, owners: deps.owners }),
    linkState: linkLoss,
    start() {
      const cut = live.recoverCrashed().map((r) => r.sessionId);
      watch ??= watchLockdown({ clock, lockdown: grants.lockdown, sessions: live });
      return cut;
    },
    async stop(reason) {
      watch?.cancel();
      linkLoss.stop();
      await live.stop(reason);
      for (const b of brokers.values()) await b.close?.();
    },
    addBrokers: () => addUsedBrokers(deps, brokerDeps, brokers),
  };
}
