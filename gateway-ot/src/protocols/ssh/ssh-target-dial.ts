/**
 * Dials an SSH asset for the broker: checks the pinned host key is well-formed, checks a
 * credential out of the vault only once the host key matched (target-connection.ts asks for it
 * then), and audits what protects the session on the plant network (`ssh.target_connect`: the
 * host key and the negotiated algorithms) or the mismatch (`ssh.host_key_mismatch`, an alert).
 *
 * Not here: the channel on the target (ssh-relay.ts) and the lease's confirm and check-in, which
 * the broker does (it owns the lease once `onLease` gave it).
 */
import { AirlockError } from '../../../../shared/src/errors.js';
import type { BrokerSession } from '../../sessions/sessions.js';
import type { CredentialLease, CredentialSource } from '../../vault/vault.js';
import { parseHostKeyPin } from './host-key-pin.js';
import { resolveClientAlgorithms } from './ssh-client-algorithms.js';
import type { SshAssetPolicy } from './ssh-policy.js';
import { connectTarget, type TargetConnection } from './target-connection.js';

export interface DialDeps {
  readonly credentials: CredentialSource;
  /** SSH handshake timeout towards the target (real time). Default 15 s. */
  readonly targetReadyTimeoutMs?: number;
}

export async function dialTarget(
  session: BrokerSession,
  asset: SshAssetPolicy,
  deps: DialDeps,
  o: { onLease(lease: CredentialLease): void; isEnded(): boolean },
): Promise<TargetConnection> {
  const pin = parseHostKeyPin(asset.hostKey);
  if (!pin.ok)
    throw new AirlockError(
      'internal',
      'ssh.bad_pin',
      `the pinned host key of ${session.assetName} is invalid: ${pin.error}`,
    );
  let connection: TargetConnection;
  try {
    connection = await connectTarget(
      { host: asset.address, port: asset.port, username: asset.username, pin: pin.value },
      {
        secrets: () => {
          const lease = deps.credentials.checkOut({
            asset: session.assetName,
            account: asset.username,
            sessionId: session.ticket.sessionId,
            user: session.ticket.user.name,
            breakGlass: session.ticket.breakGlass,
          });
          o.onLease(lease);
          if (o.isEnded())
            throw new AirlockError(
              'unavailable',
              'ssh.session_ended',
              'the session ended during setup',
            );
          return lease.candidates;
        },
        readyTimeoutMs: deps.targetReadyTimeoutMs ?? 15_000,
        algorithms: resolveClientAlgorithms(asset.algorithms),
      },
    );
  } catch (e) {
    if (e instanceof AirlockError && e.code === 'ssh.host_key_mismatch') {
      session.audit({
        action: 'ssh.host_key_mismatch',
        target: session.assetName,
        outcome: 'denied',
        details: {
          address: `${asset.address}:${asset.port}`,
          pinned: asset.hostKey.slice(0, 120),
          message: e.message,
          alert: true,
        },
      });
    }
    throw e;
  }
  // What protects this session on the plant network, for the auditor (and the old targets list).
  session.audit({
    action: 'ssh.target_connect',
    target: session.assetName,
    outcome: 'success',
    details: {
      address: `${asset.address}:${asset.port}`,
      hostKey: connection.hostKeyFingerprint,
      ...connection.negotiated,
      algorithmsFrom: asset.algorithms === undefined ? 'default' : 'asset policy',
    },
  });
  return connection;
}
