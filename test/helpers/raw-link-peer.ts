/**
 * A hand-driven OT end of the link for adversarial tests: it connects over TLS pinned to the IT
 * certificate, reads the challenge, and lets the test decide what to send (a valid hello, a hello
 * answering another connection's challenge, malformed frames...). Built from the same shared
 * proof code the real gateway uses, so a "valid" hello here is exactly a real one.
 */
import { WebSocket } from 'ws';
import { once } from 'node:events';
import { toBase64Url } from '../../shared/src/crypto/encoding.js';
import type { SigningKeyPair } from '../../shared/src/crypto/signing.js';
import {
  CONTROL_PATH,
  LINK_PROTOCOL_VERSION,
  type Challenge,
} from '../../shared/src/link/control-messages.js';
import { signLinkProof } from '../../shared/src/link/link-proof.js';

export interface RawPeer {
  readonly ws: WebSocket;
  readonly challenge: Challenge;
  /** Frames received after the challenge, parsed. */
  readonly received: Record<string, unknown>[];
  /** Resolves with the close code and reason. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** A hello answering `nonce` (by default this connection's) signed with `signer` (default: identity). */
  hello(options?: {
    nonce?: string;
    signer?: SigningKeyPair;
    site?: string;
  }): Record<string, unknown>;
  send(frame: unknown): void;
  /** Resolves with the next frame whose type is `type`. */
  next(type: string): Promise<Record<string, unknown>>;
}

export async function connectRawPeer(
  itUrl: string,
  itFingerprint: string,
  identity: SigningKeyPair,
  site: string,
  path = CONTROL_PATH,
): Promise<RawPeer> {
  const url = new URL(path, itUrl);
  url.protocol = 'wss:';
  const ws = new WebSocket(url, {
    rejectUnauthorized: false,
    perMessageDeflate: false,
    maxPayload: 8 * 1024 * 1024,
  });
  ws.on('error', () => undefined);
  const received: Record<string, unknown>[] = [];
  const waiters: { type: string; resolve: (m: Record<string, unknown>) => void }[] = [];
  let challenge: Challenge | undefined;
  const gotChallenge = new Promise<Challenge>((resolve) => {
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString()) as Record<string, unknown>;
      if (challenge === undefined && m.type === 'challenge') {
        challenge = m as unknown as Challenge;
        resolve(challenge);
        return;
      }
      received.push(m);
      for (const w of waiters.splice(0)) {
        if (w.type === m.type) w.resolve(m);
        else waiters.push(w);
      }
    });
  });
  const closed = once(ws, 'close').then(([code, reason]) => ({
    code: code as number,
    reason: String(reason),
  }));
  await once(ws, 'open');
  const fp = (
    ws as unknown as { _socket: { getPeerCertificate(): { fingerprint256: string } } }
  )._socket
    .getPeerCertificate()
    .fingerprint256.replace(/:/g, '')
    .toLowerCase();
  if (fp !== itFingerprint) throw new Error('raw peer: unexpected IT certificate');
  const c = await gotChallenge;
  const publicKey = toBase64Url(identity.publicKey);
  return {
    ws,
    challenge: c,
    received,
    closed,
    hello(o = {}) {
      const statement = {
        channel: 'control' as const,
        site: o.site ?? site,
        sessionId: null,
        itFingerprint,
        publicKey,
        nonce: o.nonce ?? c.nonce,
      };
      return {
        type: 'hello',
        v: LINK_PROTOCOL_VERSION,
        channel: 'control',
        site: statement.site,
        sessionId: null,
        publicKey,
        nonce: statement.nonce,
        signature: signLinkProof(statement, (o.signer ?? identity).secretKey),
        gatewayVersion: 'test',
        otTime: Date.now(),
      };
    },
    send(frame) {
      ws.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame));
    },
    next(type) {
      const seen = received.find((m) => m.type === type);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ type, resolve }));
    },
  };
}
