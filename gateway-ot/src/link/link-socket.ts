/**
 * Opens one authenticated link connection to the IT gateway, OT end (used for the control link and
 * for each session's data connection): pinned TLS, WebSocket upgrade on that socket (maxPayload
 * set), then answer the IT side's fresh challenge with this gateway's identity signature. Resolves
 * with the socket and its frame inbox, right after the hello is sent; the caller reads the welcome.
 */
import { WebSocket } from 'ws';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { toBase64Url } from '../../../shared/src/crypto/encoding.js';
import type { SigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { AIRLOCK_VERSION } from '../../../shared/src/version.js';
import { decodeFrame, encodeFrame, onlyTypes } from '../../../shared/src/link/frame-codec.js';
import { FrameInbox, type InboxItem } from '../../../shared/src/link/frame-inbox.js';
import {
  IT_TO_OT,
  LINK_PROTOCOL_VERSION,
  MAX_HANDSHAKE_FRAME_BYTES,
} from '../../../shared/src/link/control-messages.js';
import { signLinkProof } from '../../../shared/src/link/link-proof.js';
import type { EnrollmentRecord } from '../store/store.js';
import { connectPinned } from './pinned-tls.js';

export interface LinkSocketOptions {
  readonly enrollment: EnrollmentRecord;
  readonly identity: SigningKeyPair;
  readonly clock: Clock;
  readonly path: string;
  readonly channel: 'control' | 'data';
  readonly sessionId: string | null;
  readonly maxPayload: number;
  readonly timeoutMs: number;
  /** Every socket error after the upgrade (frames over maxPayload, protocol errors, resets). */
  readonly onError: (e: Error & { code?: string }) => void;
}

export interface OpenedLinkSocket {
  readonly ws: WebSocket;
  readonly inbox: FrameInbox;
}

const CHALLENGE_ONLY = onlyTypes(IT_TO_OT, 'challenge');

/** Why a handshake frame was not what was expected, in words for the log. */
export function describeInboxItem(item: InboxItem): string {
  switch (item.kind) {
    case 'closed':
      return `the IT gateway closed the connection (${item.code}${item.reason === '' ? '' : `: ${item.reason}`})`;
    case 'timeout':
      return 'the IT gateway did not answer in time';
    case 'overflow':
      return 'the IT gateway sent frames out of turn';
    case 'frame':
      return 'unexpected frame';
    default: {
      const never: never = item;
      return never;
    }
  }
}

export async function openLinkSocket(o: LinkSocketOptions): Promise<OpenedLinkSocket> {
  const url = new URL(o.path, o.enrollment.itUrl);
  url.protocol = 'wss:';
  const tls = await connectPinned({ url, fingerprint: o.enrollment.itFingerprint }, o.timeoutMs);
  // Frames are not masked (a zero mask, which ws skips on both ends): masking (RFC 6455 §10.3)
  // protects caching proxies from script-controlled browser traffic, and this is gateway-to-gateway
  // traffic inside pinned TLS that no intermediary reads. Masking in JS cost about a fifth of the
  // OT gateway's CPU per relayed byte (see the SSH benchmark).
  const ws = new WebSocket(url, {
    createConnection: () => tls,
    maxPayload: o.maxPayload,
    perMessageDeflate: false,
    handshakeTimeout: o.timeoutMs,
    generateMask: (mask: Buffer) => void mask.fill(0),
  });
  const inbox = new FrameInbox(ws, o.clock);
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => {
      ws.off('open', onOpen);
      reject(
        new AirlockError(
          'unavailable',
          'link.upgrade_failed',
          `WebSocket upgrade to ${url.pathname} failed: ${e.message}`,
          { cause: e },
        ),
      );
    };
    const onOpen = (): void => {
      ws.off('error', onError);
      ws.on('error', o.onError);
      resolve();
    };
    ws.once('error', onError);
    ws.once('open', onOpen);
  });
  try {
    const item = await inbox.next(o.timeoutMs);
    if (item.kind !== 'frame')
      throw new AirlockError('unavailable', 'link.no_challenge', describeInboxItem(item));
    const challenge = decodeFrame(
      CHALLENGE_ONLY,
      item.data,
      item.isBinary,
      MAX_HANDSHAKE_FRAME_BYTES,
    );
    if (!challenge.ok)
      throw new AirlockError(
        'unavailable',
        'link.bad_challenge',
        `the IT gateway's challenge is invalid: ${challenge.error.message}`,
      );
    const publicKey = toBase64Url(o.identity.publicKey);
    const statement = {
      channel: o.channel,
      site: o.enrollment.site,
      sessionId: o.sessionId,
      itFingerprint: o.enrollment.itFingerprint,
      publicKey,
      nonce: challenge.value.nonce,
    };
    const signature = signLinkProof(statement, o.identity.secretKey);
    ws.send(
      encodeFrame({
        type: 'hello',
        v: LINK_PROTOCOL_VERSION,
        channel: o.channel,
        site: statement.site,
        sessionId: o.sessionId,
        publicKey,
        nonce: statement.nonce,
        signature,
        gatewayVersion: AIRLOCK_VERSION,
        otTime: o.clock.now(),
      }),
    );
    return { ws, inbox };
  } catch (e) {
    ws.terminate();
    throw e;
  }
}
