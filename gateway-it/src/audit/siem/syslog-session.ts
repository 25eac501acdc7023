/**
 * One delivery session to a syslog collector over TLS: connect, write the frames, half-close, and
 * wait for the collector to close its side. Plain syslog over TCP has no acknowledgements; this
 * close handshake is the one signal the collector gives: it closes after it has read our
 * end-of-stream, i.e. after it has read every byte we sent. So a session is `confirmed` only when
 *  - we sent everything and our FIN (after TLS close_notify) first, and
 *  - the collector then closed cleanly (its FIN, no reset, no TLS error), within the timeout.
 * Anything else (refused, reset, timeout, TLS failure, or the collector closing before we finished)
 * is `unconfirmed`: the caller must assume none of the session's events arrived and send them again
 * (so an interrupted session can produce duplicates, never gaps).
 * Residual risk (docs/audit.md): a collector that is stopped after our last byte left but before it
 * read it can still close with a FIN if its receive buffer happened to be empty at that instant.
 */
import { readFileSync } from 'node:fs';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { normalizeFingerprint } from '../../../../shared/src/crypto/hash.js';

export interface SyslogTarget {
  readonly host: string;
  readonly port: number;
  readonly caFile: string;
  readonly serverName?: string;
  readonly certFingerprint?: string;
  readonly clientCertFile?: string;
  readonly clientKeyFile?: string;
  readonly timeoutMs: number;
}

export type SessionOutcome =
  { readonly confirmed: true } | { readonly confirmed: false; readonly reason: string };

/** TLS options from the target, read once (files are read at construction: a missing CA fails early). */
export function tlsOptions(t: SyslogTarget): ConnectionOptions {
  const pin = t.certFingerprint === undefined ? undefined : normalizeFingerprint(t.certFingerprint);
  return {
    host: t.host,
    port: t.port,
    // SNI carries names only (RFC 6066); an IP address is still checked against the certificate's SANs.
    ...(isIP(t.serverName ?? t.host) === 0 ? { servername: t.serverName ?? t.host } : {}),
    ca: readFileSync(t.caFile),
    ...(t.clientCertFile === undefined || t.clientKeyFile === undefined
      ? {}
      : { cert: readFileSync(t.clientCertFile), key: readFileSync(t.clientKeyFile) }),
    minVersion: 'TLSv1.2',
    rejectUnauthorized: true,
    ...(pin === undefined
      ? {}
      : {
          checkServerIdentity: (host, cert) => {
            const fp = new X509Certificate(cert.raw).fingerprint256.replace(/:/g, '').toLowerCase();
            return fp === pin
              ? undefined
              : new Error(`the collector's certificate ${fp} is not the pinned one`);
          },
        }),
  };
}

export function deliverSession(
  options: ConnectionOptions,
  timeoutMs: number,
  frames: readonly Buffer[],
  onSocket?: (s: TLSSocket) => void,
): Promise<SessionOutcome> {
  return new Promise((resolve) => {
    let ended = false; // we sent our FIN
    let peerEnded = false;
    let settled = false;
    const socket = connect(options);
    onSocket?.(socket);
    const finish = (outcome: SessionOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () => finish({ confirmed: false, reason: `no confirmed close within ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.setNoDelay(true);
    socket.on('error', (e) => finish({ confirmed: false, reason: e.message }));
    socket.on('data', () => undefined); // a syslog collector sends nothing; drain whatever comes
    socket.on('end', () => {
      peerEnded = true;
      if (!ended)
        finish({
          confirmed: false,
          reason: 'the collector closed the connection before the session was complete',
        });
    });
    socket.on('close', (hadError) => {
      if (hadError || !peerEnded || !ended)
        finish({ confirmed: false, reason: 'the connection closed without a confirmed end' });
      else finish({ confirmed: true });
    });
    socket.once('secureConnect', () => {
      void (async () => {
        for (const f of frames) {
          if (settled) return;
          if (!socket.write(f))
            await new Promise<void>((r) => socket.once('drain', r).once('close', r));
        }
        if (settled) return;
        ended = true;
        socket.end();
      })();
    });
  });
}
