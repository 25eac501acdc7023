/**
 * The one interface every protocol module implements on the OT side (warpgate's ProtocolServer).
 * The session manager verifies the ticket, checks the local policy and lockdown, then hands the
 * broker a verified session and the operator's channel; the broker reaches the asset, enforces its
 * profile, audits, and resolves when the session is over. A broker never sees the link, and never
 * another protocol: what it may ask of the gateway is in `BrokerDeps` (credentials, recordings, an
 * OT owner's review), all given to it when it is built.
 *
 * Ending: `session.signal` aborts when the session must end for reasons outside the broker (grant
 * end by the OT clock, revocation, lockdown, gateway stop); `signal.reason` is a string saying why.
 * The broker must then close both sides promptly and resolve.
 *
 * A protocol plugs in as one `ProtocolModule`: its policy schema (policy/), the rotation target of
 * its accounts if it has any (vault/), and its broker factory. The composition root registers the
 * modules in one list; a broker is built only for a protocol the local policy has an asset of, so a
 * module whose library is costly to load (node-opcua) imports it inside `createBroker`.
 */
import type { Duplex } from 'node:stream';
import type { AuditEventInput } from '../../../shared/src/audit/audit-event.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { Logger } from '../../../shared/src/log.js';
import type { Protocol, SessionTicket } from '../../../shared/src/model/session-ticket.js';
import type { AssetPolicy, ProtocolPolicy } from '../policy/policy.js';
import type { Recordings } from '../recording/recording.js';
import type { SessionCounts } from '../store/store.js';
import type { CredentialSource, RotationProtocol } from '../vault/vault.js';

/** Control messages beside the byte stream (SSH: pty, window size, signals, exit status...). */
export type ControlMessage = Readonly<Record<string, unknown>> & { readonly type: string };

export interface OperatorChannel {
  /** The operator's bytes, both ways, with stream back-pressure. */
  readonly stream: Duplex;
  sendControl(message: ControlMessage): void;
  onControl(listener: (message: ControlMessage) => void): void;
}

/** An audit event as a broker records it: actor, site and session facts are filled in for it. */
export type BrokerAuditInput = Omit<AuditEventInput, 'actor' | 'site'> & {
  readonly actor?: string;
};

export interface BrokerSession {
  readonly ticket: SessionTicket;
  readonly assetName: string;
  /** As the local policy has it; the broker narrows it to its own protocol's asset type. */
  readonly asset: AssetPolicy;
  /**
   * The session's asset in the policy in force now (undefined: a reload removed it). A broker that
   * checks each operation reads it once per operation, so a reload applies inside live sessions.
   */
  currentAsset(): AssetPolicy | undefined;
  readonly profileName: string;
  /** Records an audit event for this session (actor = the ticket's user, site, sessionId and grantId added). Throws if it cannot be recorded: do not carry out the action then. */
  audit(event: BrokerAuditInput): void;
  /**
   * The same, resolving once the event is durable, in a commit shared with the other sessions'
   * events of the same moment (group commit: one fsync for a burst of writes across sessions, where
   * `audit` pays one each and holds the event loop for it). Rejects, recording nothing, when it
   * cannot be recorded: do not carry out the action then. Absent in some test doubles: use `audit`.
   */
  auditDurable?(event: BrokerAuditInput): Promise<void>;
  readonly log: Logger;
  readonly clock: Clock;
  readonly signal: AbortSignal;
  /**
   * The broker's counters (Modbus: reads, writes, refusals), read when the gateway keeps them: at
   * most once a second while they change and at the end. They go into `session.end`, and survive a
   * crash of this gateway into the `session.end` its restart records. Call once; a broker that counts
   * nothing does not call it.
   */
  trackCounts(read: () => SessionCounts): void;
  /** The counters changed (cheap: call it on every change, never a write by itself). */
  countsChanged(): void;
}

export interface SessionEnd {
  readonly reason: string;
}

export interface ProtocolBroker {
  readonly protocol: Protocol;
  handle(session: BrokerSession, channel: OperatorChannel): Promise<SessionEnd>;
  /** Releases what the broker holds beyond its sessions (OPC UA: its PKI), after they ended. */
  close?(): Promise<void>;
}

export type ReviewDecision = 'allow' | 'deny';

/** An OT owner's answer; `reviewer` and `comment` are absent when no one decided (unreachable, failed). */
export interface ReviewVerdict {
  readonly decision: ReviewDecision;
  readonly reviewer?: string;
  readonly comment?: string;
}

/**
 * Asks the site's OT owners to approve something a broker holds (SSH: a command line; `line` null
 * when it must not be shown). Resolves with their verdict, or a denial when no one can be asked
 * (link down), the session ends or `timeoutMs` (OT clock) passes. Never rejects.
 */
export type RequestReview = (
  session: BrokerSession,
  line: string | null,
  why: string,
  timeoutMs: number,
) => Promise<ReviewVerdict>;

/** What every broker is built with: all a broker may ask of the gateway. */
export interface BrokerDeps {
  /** The vault: target credentials, checked out per session and checked in at its end. */
  readonly credentials: CredentialSource;
  /** Session recordings; a session that must be recorded and cannot be is refused. */
  readonly recordings: Recordings;
  /** An OT owner's live decision on a held action, carried over the link. */
  readonly requestReview: RequestReview;
  /** The gateway's data folder; a broker keeps its own files in a folder of its own under it. */
  readonly dataDir: string;
  /** Learn mode (docs/policy.md): which profiles learn now, and the record of what they did. */
  readonly learning: ProfileLearning;
}

/** What a broker asks of learn mode (the learning subsystem implements it). */
export interface ProfileLearning {
  /** When the learn window of this asset's profile ends (ms, gateway clock); undefined: it enforces. */
  learningUntil(asset: string, profile: string): number | undefined;
  /** Records one operation a learning session was allowed (the protocol's facts, JSON). */
  record(session: BrokerSession, operation: Readonly<Record<string, unknown>>): void;
}

/** What a protocol folder registers: its policy schema, its rotation target if any, and its broker factory. */
export interface ProtocolModule extends ProtocolPolicy, RotationProtocol {
  readonly protocol: Protocol;
  /** Called once at start, and only when the local policy lists an asset of this protocol. */
  createBroker(deps: BrokerDeps): Promise<ProtocolBroker>;
}
