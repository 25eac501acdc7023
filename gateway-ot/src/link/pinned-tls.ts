/**
 * TLS to the IT gateway, pinned to the certificate fingerprint recorded at enrollment. The
 * certificate is checked on 'secureConnect', BEFORE a single byte of application data is written
 * (the WebSocket upgrade or the enrollment request is only sent over a socket this resolved), so a
 * wrong certificate learns nothing but a TLS ClientHello. No CA is involved: the pin is the trust.
 */
import { connect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import { AirlockError } from '../../../shared/src/errors.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';

export interface PinnedTarget {
  readonly url: URL;
  /** Lowercase hex SHA-256 of the expected certificate (DER). */
  readonly fingerprint: string;
}

function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

export function connectPinned(target: PinnedTarget, timeoutMs: number): Promise<TLSSocket> {
  const host = hostOf(target.url);
  const port = Number(target.url.port === '' ? 443 : target.url.port);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      ...(isIP(host) === 0 ? { servername: host } : {}),
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
      minVersion: 'TLSv1.2',
    });
    let settled = false;
    const fail = (e: AirlockError): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(e);
    };
    socket.setTimeout(timeoutMs, () =>
      fail(
        new AirlockError(
          'unavailable',
          'link.connect_timeout',
          `no TLS connection to ${host}:${port} within ${timeoutMs} ms`,
        ),
      ),
    );
    socket.once('error', (e) =>
      fail(
        new AirlockError(
          'unavailable',
          'link.connect_failed',
          `cannot connect to ${host}:${port}: ${e.message}`,
          { cause: e },
        ),
      ),
    );
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate().raw as Buffer | undefined;
      const got = raw === undefined ? 'none' : sha256Hex(raw);
      if (got !== target.fingerprint) {
        fail(
          new AirlockError(
            'access_denied',
            'link.fingerprint_mismatch',
            `the IT gateway at ${host}:${port} presented certificate ${got}, not the pinned ${target.fingerprint}`,
            { details: { presented: got, pinned: target.fingerprint } },
          ),
        );
        return;
      }
      settled = true;
      socket.setTimeout(0);
      socket.removeAllListeners('error');
      resolve(socket);
    });
  });
}
