/**
 * TLS to the IT gateway, pinned to the certificate fingerprint recorded at enrollment. The
 * certificate is checked on 'secureConnect', BEFORE a single byte of application data is written
 * (the WebSocket upgrade or the enrollment request is only sent over a socket this resolved), so a
 * wrong certificate learns nothing but a TLS ClientHello. No CA is involved: the pin is the trust.
 */
import { connect, DEFAULT_CIPHERS, type TLSSocket } from 'node:tls';
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

/**
 * TLS 1.3 suites in the order the link prefers (the client's order decides: the IT server does not
 * set honorCipherOrder). AES-128-GCM first: every relayed byte crosses the link, and with AES-NI it
 * is the cheapest AEAD here (about 1.15x AES-256-GCM and 1.6x ChaCha20-Poly1305 per byte). Node's
 * TLS 1.2 list follows unchanged.
 */
const LINK_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  ...DEFAULT_CIPHERS.split(':').filter((c) => !c.startsWith('TLS_')),
].join(':');

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
      ciphers: LINK_CIPHERS,
    });
    // Nagle off, as on the IT end (node:https sets it on every accepted socket; tls.connect does
    // not): every keystroke's echo and every control message crosses this socket, and a small
    // write held for the ACK of the one before waits up to the peer's delayed-ACK timer.
    socket.setNoDelay(true);
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
