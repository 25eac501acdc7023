/**
 * IT end of the link handshake, for control and data connections alike: send a fresh challenge,
 * read one `hello`, and accept it only if it answers this connection's nonce with a valid Ed25519
 * signature by the site's active, enrolled gateway key over the statement of link-proof.ts (which
 * names this gateway's certificate fingerprint, the channel and, for data, the session).
 *
 * Refusals are values with a code; every refused proof (unknown key, revoked or replaced key, wrong
 * site, bad signature, stale or replayed nonce) is audited as `link.refuse`. A nonce is issued
 * once; answers naming an earlier nonce are reported as replayed.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { Logger } from '../../../shared/src/log.js';
import { fromBase64Url } from '../../../shared/src/crypto/encoding.js';
import { decodeFrame, encodeFrame, onlyTypes } from '../../../shared/src/link/frame-codec.js';
import {
  LINK_PROTOCOL_VERSION,
  MAX_HANDSHAKE_FRAME_BYTES,
  OT_TO_IT,
  type Hello,
} from '../../../shared/src/link/control-messages.js';
import { newChallengeNonce, verifyLinkProof } from '../../../shared/src/link/link-proof.js';
import type { FrameInbox } from '../../../shared/src/link/frame-inbox.js';
import type { SiteGatewayStore } from '../store/store.js';

export interface LinkPeer {
  readonly gatewayId: string;
  readonly site: string;
  readonly publicKey: Uint8Array;
  readonly gatewayVersion: string;
  readonly channel: 'control' | 'data';
  readonly sessionId: string | null;
  /** OT clock at hello and IT clock when it arrived, for a first offset estimate. */
  readonly otTime: number;
  readonly receivedAt: number;
}

export type Expected =
  { readonly channel: 'control' } | { readonly channel: 'data'; readonly sessionId: string };

export type HandshakeOutcome =
  | { readonly ok: true; readonly peer: LinkPeer }
  | {
      readonly ok: false;
      readonly code: string;
      readonly reason: string;
      readonly audit: 'refuse' | 'violation' | 'none';
    };

export interface HandshakeSocket {
  send(data: string): void;
}

export interface LinkAuthenticatorDeps {
  readonly gateways: SiteGatewayStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly log: Logger;
  readonly tlsFingerprint: string;
  readonly handshakeTimeoutMs: number;
}

const HELLO_ONLY = onlyTypes(OT_TO_IT, 'hello');
/** How many issued nonces are remembered to recognise replays (oldest forgotten first). */
const REMEMBERED_NONCES = 10_000;

export class LinkAuthenticator {
  private readonly issued = new Set<string>();

  constructor(private readonly deps: LinkAuthenticatorDeps) {}

  async authenticate(
    socket: HandshakeSocket,
    inbox: FrameInbox,
    expected: Expected,
    remote: string,
  ): Promise<HandshakeOutcome> {
    const { deps } = this;
    const nonce = newChallengeNonce();
    this.remember(nonce);
    socket.send(
      encodeFrame({ type: 'challenge', v: LINK_PROTOCOL_VERSION, nonce, itTime: deps.clock.now() }),
    );
    const item = await inbox.next(deps.handshakeTimeoutMs);
    if (item.kind === 'timeout')
      return {
        ok: false,
        code: 'link.handshake_timeout',
        reason: 'no hello within the handshake timeout',
        audit: 'none',
      };
    if (item.kind === 'closed')
      return {
        ok: false,
        code: 'link.handshake_closed',
        reason: 'the connection closed during the handshake',
        audit: 'none',
      };
    if (item.kind === 'overflow')
      return this.refused(
        {
          ok: false,
          code: 'link.handshake_flood',
          reason: 'frames sent before the handshake finished',
          audit: 'violation',
        },
        expected,
        remote,
        null,
      );
    const decoded = decodeFrame(HELLO_ONLY, item.data, item.isBinary, MAX_HANDSHAKE_FRAME_BYTES);
    if (!decoded.ok)
      return this.refused(
        { ok: false, code: decoded.error.code, reason: decoded.error.message, audit: 'violation' },
        expected,
        remote,
        null,
      );
    const outcome = this.judge(decoded.value, nonce, expected);
    return outcome.ok ? outcome : this.refused(outcome, expected, remote, decoded.value);
  }

  /** A peer broke the framing rules before it authenticated (e.g. a frame over the size limit). */
  recordViolation(expected: Expected, remote: string, code: string, reason: string): void {
    this.refused({ ok: false, code, reason, audit: 'violation' }, expected, remote, null);
  }

  private judge(hello: Hello, nonce: string, expected: Expected): HandshakeOutcome {
    const refuse = (code: string, reason: string): HandshakeOutcome => ({
      ok: false,
      code,
      reason,
      audit: 'refuse',
    });
    if (hello.channel !== expected.channel)
      return refuse(
        'link.wrong_channel',
        `a ${hello.channel} hello on the ${expected.channel} path`,
      );
    const sessionId = expected.channel === 'data' ? expected.sessionId : null;
    if (hello.sessionId !== sessionId)
      return refuse(
        'link.wrong_session',
        'the hello names another session than the connection path',
      );
    if (hello.nonce !== nonce) {
      return this.issued.has(hello.nonce)
        ? refuse(
            'link.replayed_proof',
            'the proof answers a challenge issued to another connection (replayed)',
          )
        : refuse('link.stale_proof', "the proof does not answer this connection's challenge");
    }
    const gateway = this.deps.gateways.byPublicKey(hello.publicKey);
    if (gateway === undefined)
      return refuse('link.unknown_key', 'no gateway is enrolled with this identity key');
    if (gateway.site !== hello.site)
      return refuse(
        'link.wrong_site',
        `this identity key is enrolled for another site, not ${hello.site}`,
      );
    if (gateway.state === 'revoked')
      return refuse('link.revoked', 'this gateway identity was revoked');
    if (gateway.state === 'replaced')
      return refuse('link.replaced', 'this gateway identity was replaced by a newer enrollment');
    const key = fromBase64Url(hello.publicKey, 32);
    const statement = {
      channel: hello.channel,
      site: hello.site,
      sessionId: hello.sessionId,
      itFingerprint: this.deps.tlsFingerprint,
      publicKey: hello.publicKey,
      nonce,
    };
    if (!key.ok || !verifyLinkProof(statement, hello.signature, key.value))
      return refuse(
        'link.bad_signature',
        'the proof signature does not verify with the enrolled key',
      );
    return {
      ok: true,
      peer: {
        gatewayId: gateway.id,
        site: gateway.site,
        publicKey: key.value,
        gatewayVersion: hello.gatewayVersion,
        channel: hello.channel,
        sessionId: hello.sessionId,
        otTime: hello.otTime,
        receivedAt: this.deps.clock.now(),
      },
    };
  }

  private refused(
    outcome: HandshakeOutcome & { ok: false },
    expected: Expected,
    remote: string,
    hello: Hello | null,
  ): HandshakeOutcome {
    const details = {
      code: outcome.code,
      reason: outcome.reason,
      channel: expected.channel,
      sessionId: expected.channel === 'data' ? expected.sessionId : null,
      claimedSite: hello?.site ?? null,
      publicKey: hello?.publicKey ?? null,
      gatewayVersion: hello?.gatewayVersion ?? null,
      remote,
    };
    this.deps.log.warn('link connection refused', details);
    const action = outcome.audit === 'violation' ? 'link.violation' : 'link.refuse';
    try {
      this.deps.audit.append({
        action,
        actor: 'system:link',
        site:
          hello !== null && this.deps.gateways.byPublicKey(hello.publicKey)?.site === hello.site
            ? hello.site
            : null,
        target: hello?.site ?? remote,
        outcome: 'denied',
        details,
      });
    } catch (e) {
      // The connection is refused either way; the failure to record it is itself logged.
      this.deps.log.error('could not audit a refused link connection', { err: e });
    }
    return outcome;
  }

  private remember(nonce: string): void {
    this.issued.add(nonce);
    if (this.issued.size > REMEMBERED_NONCES) {
      const oldest = this.issued.values().next();
      if (oldest.done !== true) this.issued.delete(oldest.value);
    }
  }
}
