/**
 * The one interface every protocol module implements on the OT side (warpgate's ProtocolServer).
 * The link layer verifies the ticket, checks the local policy and lockdown, then hands the broker
 * a verified session and the operator's channel; the broker reaches the asset, enforces its
 * profile, audits, and resolves when the session is over. A broker never sees the link, and never
 * another protocol.
 *
 * Ending: `session.signal` aborts when the session must end for reasons outside the broker (grant
 * end by the OT clock, revocation, lockdown, gateway stop); `signal.reason` is a string saying why.
 * The broker must then close both sides promptly and resolve.
 */
import type { Duplex } from 'node:stream';
import type { AuditEventInput } from '../../../shared/src/audit/audit-event.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { Logger } from '../../../shared/src/log.js';
import type { Protocol, SessionTicket } from '../../../shared/src/model/session-ticket.js';
import type { AssetPolicy } from '../policy/local-policy.js';

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
  readonly asset: AssetPolicy;
  readonly profileName: string;
  /** Records an audit event for this session (actor = the ticket's user, site, sessionId and grantId added). Throws if it cannot be recorded: do not carry out the action then. */
  audit(event: BrokerAuditInput): void;
  readonly log: Logger;
  readonly clock: Clock;
  readonly signal: AbortSignal;
}

export interface SessionEnd {
  readonly reason: string;
}

export interface ProtocolBroker {
  readonly protocol: Protocol;
  handle(session: BrokerSession, channel: OperatorChannel): Promise<SessionEnd>;
}
