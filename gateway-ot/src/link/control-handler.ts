/**
 * What the OT gateway does with each message the IT side sends on the control link once it has
 * been welcomed: heartbeats answered, the IT side's commands (open, session.end, grant.end,
 * lockdown, owner.enroll) carried out by sessions/ and answered with exactly one `result` each,
 * audit and recording acknowledgements fed back to the shippers, review decisions passed on.
 *
 * Guarantees: only the types in AFTER_WELCOME reach `handleControlMessage` (the caller decodes with
 * it); every command gets one `result`, a throw or a rejected promise becoming a refusal with its
 * error code and a bounded reason; nothing is sent on a connection that is closing. To handle a new
 * message type, add it to AFTER_WELCOME and a case to the switch (the compiler checks the switch is
 * exhaustive). Not here: dialing, reconnecting, heartbeat deadlines (link-client.ts), and what a
 * command does (sessions/ decides, with this gateway's own checks).
 */
import type { WebSocket } from 'ws';
import type { Clock } from '../../../shared/src/clock.js';
import { describeError, isAirlockError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/log.js';
import {
  IT_TO_OT,
  type ItToOtMessage,
  type OtToItMessage,
  type Welcome,
} from '../../../shared/src/link/control-messages.js';
import { encodeFrame, onlyTypes } from '../../../shared/src/link/frame-codec.js';
import type { SessionChannel } from '../../../shared/src/link/session-channel.js';
import type { AuditOutbox } from '../audit/audit.js';
import type { CommandOutcome, ItCommands, ReviewRequests } from '../sessions/sessions.js';
import type { RecordingShipper } from './recording-shipper.js';

export const AFTER_WELCOME = onlyTypes(
  IT_TO_OT,
  'ping',
  'open',
  'session.end',
  'grant.end',
  'lockdown',
  'audit.ack',
  'audit.reject',
  'recording.ack',
  'recording.reject',
  'review.decision',
  'owner.enroll',
);

export type AfterWelcomeMessage = Exclude<
  ItToOtMessage,
  { type: 'challenge' | 'welcome' | 'data.welcome' }
>;

/** One welcomed control connection and its shipping state. */
export interface Connection {
  readonly ws: WebSocket;
  readonly welcome: Welcome;
  readonly since: number;
  lastHeard: number;
  inFlight: boolean;
  shippingStopped: boolean;
  closeReason: string | undefined;
}

export interface ControlHandlerDeps {
  readonly clock: Clock;
  readonly log: Logger;
  readonly outbox: AuditOutbox;
  readonly recordings: RecordingShipper;
  readonly reviews: ReviewRequests;
  readonly commands: ItCommands;
  /** Ships the next audit batch and recording chunk, if any may go. */
  readonly pump: () => void;
  /** Sends the catalogue again (an owner enrolled: the IT side learns the new credential). */
  readonly publishCatalogue: (c: Connection) => void;
  /** A new data connection for one session (given to `open`). */
  readonly dialData: (sessionId: string) => Promise<SessionChannel>;
}

export function handleControlMessage(
  deps: ControlHandlerDeps,
  c: Connection,
  m: AfterWelcomeMessage,
): void {
  switch (m.type) {
    case 'ping':
      sendControl(c, { type: 'pong', id: m.id, itTime: m.itTime, otTime: deps.clock.now() });
      deps.pump();
      return;
    case 'open':
      return replyLater(
        c,
        m.id,
        deps.commands.open(m.ticket, (sessionId) => deps.dialData(sessionId)),
      );
    case 'session.end':
      return reply(
        c,
        m.id,
        attempt(() => deps.commands.endSession(m.sessionId, m.reason)),
      );
    case 'grant.end':
      return reply(
        c,
        m.id,
        attempt(() => deps.commands.endGrant(m.grantId, m.reason)),
      );
    case 'lockdown':
      return reply(
        c,
        m.id,
        attempt(() => deps.commands.lockdown(m.on, m.reason)),
      );
    case 'audit.ack':
      c.inFlight = false;
      if (!deps.outbox.acknowledge(m.seq, m.hash)) {
        c.shippingStopped = true;
        deps.log.error(
          'the IT gateway acknowledged an event this gateway did not write; audit shipping stopped',
          { seq: m.seq },
        );
        return;
      }
      deps.pump();
      return;
    case 'audit.reject':
      c.inFlight = false;
      c.shippingStopped = true;
      deps.log.error('the IT gateway refused an audit batch; shipping resumes after reconnecting', {
        problem: m.problem,
        seq: m.seq,
        reason: m.reason,
      });
      return;
    case 'recording.ack':
    case 'recording.reject':
      deps.recordings.answered(m);
      deps.pump();
      return;
    case 'review.decision':
      deps.reviews.decided(m);
      return;
    case 'owner.enroll':
      // The new credential is published before the answer, so the IT side knows it once told ok.
      return replyLater(
        c,
        m.id,
        deps.commands.enrollOwner(m.owner, m.registration).then((r) => {
          // The enrollment is stored either way; a failed publication waits for the next connection.
          if (r.ok)
            try {
              deps.publishCatalogue(c);
            } catch (e) {
              deps.log.error('could not publish the catalogue after an owner enrolled', { err: e });
            }
          return r;
        }),
      );
    default: {
      const never: never = m;
      return never;
    }
  }
}

/** Sends one frame, unless the connection is closing or no longer open. */
export function sendControl(c: Connection, m: Exclude<OtToItMessage, { type: 'hello' }>): void {
  if (c.closeReason !== undefined || c.ws.readyState !== c.ws.OPEN) return;
  c.ws.send(encodeFrame(m));
}

/** Replies once an asynchronous command settles; a throw becomes a refusal with its code. */
function replyLater(c: Connection, id: number, outcome: Promise<CommandOutcome>): void {
  void outcome.then(
    (r) => reply(c, id, r),
    (e: unknown) =>
      reply(c, id, {
        ok: false,
        code: isAirlockError(e) ? e.code : 'internal',
        reason: describeError(e).slice(0, 300),
      }),
  );
}

function attempt(fn: () => CommandOutcome): CommandOutcome {
  try {
    return fn();
  } catch (e) {
    return {
      ok: false,
      code: isAirlockError(e) ? e.code : 'internal',
      reason: describeError(e).slice(0, 300),
    };
  }
}

function reply(c: Connection, id: number, r: CommandOutcome): void {
  sendControl(
    c,
    r.ok
      ? { type: 'result', id, ok: true }
      : {
          type: 'result',
          id,
          ok: false,
          code: r.code.slice(0, 64),
          reason: r.reason.slice(0, 500) || 'refused',
        },
  );
}
