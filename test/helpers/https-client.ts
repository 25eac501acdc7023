/** HTTPS requests to a gateway in tests, trusting exactly one certificate by its SHA-256 fingerprint. */
import { request } from 'node:https';
import type { PeerCertificate, TLSSocket } from 'node:tls';

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** The body as received (a download such as an evidence pack is binary). */
  readonly bytes: Buffer;
  json<T = unknown>(): T;
}

export function pinnedRequest(
  url: string,
  fingerprintHex: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: init.method ?? 'GET',
        headers: init.headers,
        // A fresh connection per request: a pooled or TLS-resumed socket may not expose the peer
        // certificate again, which made polling tests fail with a spurious pin mismatch.
        agent: false,
        rejectUnauthorized: false,
        checkServerIdentity: (_host: string, cert: PeerCertificate) => {
          const got = cert.fingerprint256.replace(/:/g, '').toLowerCase();
          return got === fingerprintHex
            ? undefined
            : new Error(`certificate fingerprint ${got} is not the pinned ${fingerprintHex}`);
        },
      },
      (res) => {
        const tls = res.socket as TLSSocket;
        const fp = tls.getPeerCertificate().fingerprint256?.replace(/:/g, '').toLowerCase();
        if (fp !== fingerprintHex) {
          res.destroy();
          reject(new Error('pinned fingerprint mismatch'));
          return;
        }
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => {
          const bytes = Buffer.concat(parts);
          const body = bytes.toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            bytes,
            json: <T>() => JSON.parse(body) as T,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error('request timed out')));
    req.end(init.body);
  });
}
