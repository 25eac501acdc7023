/**
 * Opening the OT gateway's control connection up to the IT side's welcome (link-client.ts runs the
 * connection after it): pinned TLS and WebSocket with the identity proof (link-socket.ts), then
 * the first frame must be a `welcome` for this gateway's own site within the connect timeout.
 * Anything else terminates the socket and throws `link.not_welcomed` naming what came instead.
 * Socket errors that are link violations are reported once per connection to `onViolation`;
 * other socket errors are only logged at debug level.
 */
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/log.js';
import type { SigningKeyPair } from '../../../shared/src/crypto/signing.js';
import {
  CONTROL_PATH,
  IT_TO_OT,
  MAX_CONTROL_FRAME_BYTES,
  MAX_HANDSHAKE_FRAME_BYTES,
  type Welcome,
} from '../../../shared/src/link/control-messages.js';
import {
  decodeFrame,
  onlyTypes,
  socketErrorViolation,
  type LinkViolation,
} from '../../../shared/src/link/frame-codec.js';
import type { EnrollmentRecord } from '../store/store.js';
import { describeInboxItem, openLinkSocket, type OpenedLinkSocket } from './link-socket.js';

const WELCOME_ONLY = onlyTypes(IT_TO_OT, 'welcome');

export interface ControlDial {
  readonly enrollment: EnrollmentRecord;
  readonly identity: SigningKeyPair;
  readonly clock: Clock;
  readonly log: Logger;
  readonly timeoutMs: number;
  /** The first link violation on this connection's socket (later ones are not reported). */
  readonly onViolation: (v: LinkViolation) => void;
}

export interface WelcomedSocket extends OpenedLinkSocket {
  readonly welcome: Welcome;
}

export async function dialControl(o: ControlDial): Promise<WelcomedSocket> {
  let violationSeen: LinkViolation | undefined;
  const { ws, inbox } = await openLinkSocket({
    enrollment: o.enrollment,
    identity: o.identity,
    clock: o.clock,
    path: CONTROL_PATH,
    channel: 'control',
    sessionId: null,
    maxPayload: MAX_CONTROL_FRAME_BYTES,
    timeoutMs: o.timeoutMs,
    onError: (e) => {
      const v = socketErrorViolation(e);
      if (v !== undefined && violationSeen === undefined) {
        violationSeen = v;
        o.onViolation(v);
      } else if (v === undefined) o.log.debug('control link socket error', { err: e });
    },
  });
  const item = await inbox.next(o.timeoutMs);
  const decoded =
    item.kind === 'frame'
      ? decodeFrame(WELCOME_ONLY, item.data, item.isBinary, MAX_HANDSHAKE_FRAME_BYTES)
      : undefined;
  if (decoded === undefined || !decoded.ok || decoded.value.site !== o.enrollment.site) {
    ws.terminate();
    const why =
      decoded === undefined
        ? describeInboxItem(item)
        : decoded.ok
          ? `the welcome names site ${decoded.value.site}`
          : decoded.error.message;
    throw new AirlockError(
      'unavailable',
      'link.not_welcomed',
      `the IT gateway did not accept this gateway: ${why}`,
    );
  }
  return { ws, inbox, welcome: decoded.value };
}
