/**
 * Dials an SSH target as the gateway: TCP with no delay, the host key checked against the pin
 * during key exchange, and only then the credential checked out and offered. A key that does not
 * match ends the handshake before any authentication request is sent, so a spoofed target never
 * sees a credential (and the vault is not even opened). Several candidate secrets (committed, and
 * pending after an uncertain rotation) are offered in turn on the same connection; the caller learns
 * which one the target accepted.
 */
import { connect as tcpConnect } from 'node:net';
import {
  Client,
  type AuthenticationType,
  type ClientChannel,
  type ConnectConfig,
  type PseudoTtyOptions,
} from 'ssh2';
import { AirlockError } from '../../../../shared/src/errors.js';
import type { VaultSecret } from '../../vault/vault.js';
import { fingerprintOf, isPinnedKey, type HostKeyPin } from './host-key-pin.js';
import type { ClientAlgorithms, NegotiatedAlgorithms } from './ssh-client-algorithms.js';

export interface TargetAddress {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly pin: HostKeyPin;
}

export interface TargetOptions {
  /** Called once the host key matched: returns the secrets to offer, in order. */
  readonly secrets: () => readonly VaultSecret[];
  readonly readyTimeoutMs?: number;
  /** Server alive interval; a dead target ends the session instead of hanging it. */
  readonly keepaliveMs?: number;
  /** What is offered in the key exchange (the asset's policy, or the hardened default). */
  readonly algorithms: ClientAlgorithms;
}

export interface TargetConnection {
  readonly client: Client;
  /** Index into the secrets that the target accepted. */
  readonly accepted: number;
  /** What the first key exchange settled on. */
  readonly negotiated: NegotiatedAlgorithms;
  /** The target's host key fingerprint (`SHA256:...`), the pinned one. */
  readonly hostKeyFingerprint: string;
}

export function connectTarget(
  target: TargetAddress,
  options: TargetOptions,
): Promise<TargetConnection> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const sock = tcpConnect({ host: target.host, port: target.port });
    sock.setNoDelay(true);
    let presented: string | undefined;
    let mismatch = false;
    let offered = -1;
    let settled = false;
    let negotiated: NegotiatedAlgorithms | undefined;
    client.once('handshake', (n) => {
      negotiated = {
        kex: n.kex,
        hostKeyAlgorithm: n.serverHostKey,
        cipher: n.cs.cipher,
        // An AEAD cipher authenticates itself: there is no separate MAC.
        mac: n.cs.mac === '' ? 'implicit' : n.cs.mac,
        compression: n.cs.compress,
      };
    });
    const fail = (e: AirlockError): void => {
      if (settled) return;
      settled = true;
      client.end();
      sock.destroy();
      reject(e);
    };
    sock.on('error', (e) =>
      fail(
        new AirlockError(
          'unavailable',
          'ssh.target_unreachable',
          `cannot reach ${target.host}:${target.port} (${(e as NodeJS.ErrnoException).code ?? e.message})`,
          { cause: e },
        ),
      ),
    );
    client.on('error', (e: Error & { level?: string }) => {
      if (mismatch) {
        fail(
          new AirlockError(
            'access_denied',
            'ssh.host_key_mismatch',
            `the target presented host key ${presented ?? '?'}, not the pinned key; refused before any credential was sent`,
          ),
        );
      } else if (e.level === 'client-authentication') {
        fail(
          new AirlockError(
            'unavailable',
            'ssh.target_auth_failed',
            `the target refused the vault credential for ${target.username}`,
            { cause: e },
          ),
        );
      } else if (e.level === 'handshake') {
        fail(
          new AirlockError(
            'unavailable',
            'ssh.target_algorithms',
            `${target.host}:${target.port} shares no SSH algorithms with the gateway (${e.message}); the asset's algorithms in the local policy can allow older ones`,
            { cause: e },
          ),
        );
      } else if (e.level === 'client-timeout') {
        fail(
          new AirlockError(
            'unavailable',
            'ssh.target_timeout',
            `no SSH handshake from ${target.host}:${target.port} in time`,
            { cause: e },
          ),
        );
      } else {
        fail(
          new AirlockError(
            'unavailable',
            'ssh.target_error',
            `SSH connection to ${target.host}:${target.port} failed: ${e.message}`,
            { cause: e },
          ),
        );
      }
    });
    client.on('close', () =>
      fail(
        new AirlockError(
          'unavailable',
          'ssh.target_closed',
          `${target.host}:${target.port} closed the connection during setup`,
        ),
      ),
    );
    client.on('ready', () => {
      if (settled) return;
      if (negotiated === undefined || presented === undefined)
        return fail(
          new AirlockError('internal', 'ssh.target_error', 'SSH ready before the key exchange'),
        );
      settled = true;
      resolve({ client, accepted: offered, negotiated, hostKeyFingerprint: presented });
    });
    let secrets: readonly VaultSecret[] | undefined;
    const config: ConnectConfig = {
      sock,
      username: target.username,
      readyTimeout: options.readyTimeoutMs ?? 15_000,
      keepaliveInterval: options.keepaliveMs ?? 15_000,
      keepaliveCountMax: 3,
      algorithms: {
        kex: [...options.algorithms.kex],
        serverHostKey: [...options.algorithms.serverHostKey],
        cipher: [...options.algorithms.cipher],
        hmac: [...options.algorithms.mac],
        compress: [...options.algorithms.compress],
      },
      hostVerifier: (key: Buffer) => {
        presented = fingerprintOf(key);
        mismatch = !isPinnedKey(target.pin, key);
        return !mismatch;
      },
      authHandler: (_methodsLeft, _partial, next) => {
        if (mismatch) return next(false as unknown as AuthenticationType);
        try {
          secrets ??= options.secrets();
        } catch (e) {
          fail(
            e instanceof AirlockError
              ? e
              : new AirlockError(
                  'internal',
                  'vault.checkout_failed',
                  'the vault credential could not be checked out',
                  { cause: e },
                ),
          );
          return next(false as unknown as AuthenticationType);
        }
        offered++;
        const s = secrets[offered];
        if (s === undefined) return next(false as unknown as AuthenticationType);
        switch (s.kind) {
          case 'password':
            return next({
              type: 'password',
              username: target.username,
              password: s.bytes as unknown as string,
            });
          case 'private-key':
            return next({ type: 'publickey', username: target.username, key: s.bytes });
          default: {
            const never: never = s.kind;
            return never;
          }
        }
      },
    };
    client.connect(config);
  });
}

export type { ClientChannel, PseudoTtyOptions };
