/**
 * Dials one session's data connection to the IT gateway (a new WebSocket for this session only, so
 * it has its own TCP back-pressure), authenticated like every link connection, and returns it as a
 * SessionChannel once the IT side confirmed it is waiting for this session.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/log.js';
import type { SigningKeyPair } from '../../../shared/src/crypto/signing.js';
import {
  DATA_PATH_PREFIX,
  IT_TO_OT,
  MAX_HANDSHAKE_FRAME_BYTES,
} from '../../../shared/src/link/control-messages.js';
import {
  decodeFrame,
  onlyTypes,
  socketErrorViolation,
  type LinkViolation,
} from '../../../shared/src/link/frame-codec.js';
import {
  DATA_SOCKET_MAX_PAYLOAD,
  SessionChannel,
} from '../../../shared/src/link/session-channel.js';
import type { EnrollmentRecord } from '../store/store.js';
import { describeInboxItem, openLinkSocket } from './link-socket.js';

const DATA_WELCOME_ONLY = onlyTypes(IT_TO_OT, 'data.welcome');

export interface DataDialerDeps {
  readonly identity: SigningKeyPair;
  readonly clock: Clock;
  readonly log: Logger;
  readonly audit: AuditLog;
  readonly site: string;
  readonly timeoutMs: number;
}

export async function dialDataConnection(
  deps: DataDialerDeps,
  enrollment: EnrollmentRecord,
  sessionId: string,
): Promise<SessionChannel> {
  const violation = (v: LinkViolation): void => {
    deps.log.warn('data connection violation', { sessionId, code: v.code, message: v.message });
    try {
      deps.audit.append({
        action: 'link.violation',
        actor: `system:ot:${deps.site}`,
        site: deps.site,
        target: sessionId,
        outcome: 'denied',
        details: { channel: 'data', sessionId, code: v.code, message: v.message },
      });
    } catch (e) {
      deps.log.error('could not audit a link violation', { err: e });
    }
  };
  const { ws, inbox } = await openLinkSocket({
    enrollment,
    identity: deps.identity,
    clock: deps.clock,
    path: `${DATA_PATH_PREFIX}${encodeURIComponent(sessionId)}`,
    channel: 'data',
    sessionId,
    maxPayload: DATA_SOCKET_MAX_PAYLOAD,
    timeoutMs: deps.timeoutMs,
    onError: (e) => {
      const v = socketErrorViolation(e);
      if (v !== undefined) violation(v);
      else deps.log.debug('data connection error', { sessionId, err: e });
    },
  });
  const item = await inbox.next(deps.timeoutMs);
  const welcome =
    item.kind === 'frame'
      ? decodeFrame(DATA_WELCOME_ONLY, item.data, item.isBinary, MAX_HANDSHAKE_FRAME_BYTES)
      : undefined;
  if (welcome === undefined || !welcome.ok || welcome.value.sessionId !== sessionId) {
    ws.terminate();
    throw new AirlockError(
      'unavailable',
      'link.data_refused',
      `the IT gateway did not accept the data connection: ${welcome === undefined ? describeInboxItem(item) : welcome.ok ? 'wrong session' : welcome.error.message}`,
    );
  }
  const channel = new SessionChannel(sessionId, ws, {
    onViolation: violation,
    onError: (e) => deps.log.warn('session control listener failed', { sessionId, err: e }),
  });
  inbox.deliverTo(channel);
  return channel;
}
