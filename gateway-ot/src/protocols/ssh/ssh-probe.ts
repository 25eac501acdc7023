/**
 * The SSH discovery probe: connects, reads the server's identification line, lets the key exchange
 * run until the server has proved its host key, records that key and aborts (the host verifier says
 * no). No authentication is attempted and no credential is ever sent. A port whose first line is
 * not an SSH identification, or that fails the key exchange, is reported as garbage with what it
 * sent. Not guaranteed: a server that shows one key to probes and another later is caught only by
 * the pin the brokers check on every session.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { Client } from 'ssh2';
import {
  printableExcerpt,
  type ProbeOptions,
  type ProbeOutcome,
  type ProbeTarget,
} from '../../../../shared/src/model/discovery.js';
import { fingerprintOf } from './host-key-pin.js';

/** The key type an SSH public key blob names in its first string. */
function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len < 1 || len > 64 || blob.length < 4 + len) return undefined;
  return blob.subarray(4, 4 + len).toString('latin1');
}

export function probeSsh(target: ProbeTarget, options: ProbeOptions): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    let done = false;
    let first = Buffer.alloc(0);
    let hostKey: Buffer | undefined;
    let connected = false;
    const client = new Client();
    const sock: Socket = netConnect({ host: target.address, port: target.port });
    const finish = (o: ProbeOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      client.end();
      sock.destroy();
      resolve(o);
    };
    const timer = setTimeout(
      () =>
        finish(
          first.length > 0 && hostKey === undefined
            ? { kind: 'garbage', seen: printableExcerpt(first), reason: 'no SSH key exchange' }
            : { kind: 'silent', reason: 'timeout' },
        ),
      options.timeoutMs,
    );
    sock.on('data', (d: Buffer) => {
      if (first.length < 512) first = Buffer.concat([first, d]).subarray(0, 512);
      const text = first.toString('latin1');
      // An SSH server may send other lines before its identification (RFC 4253 4.2); none may be binary.
      if (
        !/^[\x20-\x7e\r\n\t]*$/.test(text.split('SSH-')[0] ?? '') ||
        (first.length >= 255 && !text.includes('SSH-'))
      )
        finish({
          kind: 'garbage',
          seen: printableExcerpt(first),
          reason: 'not an SSH identification',
        });
    });
    sock.on('connect', () => {
      connected = true;
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (!connected)
        finish({
          kind: 'silent',
          reason: e.code === 'ECONNREFUSED' ? 'refused' : 'unreachable',
        });
    });
    client.on('error', () => {
      if (hostKey !== undefined) {
        const keyType = keyTypeOf(hostKey);
        const line = /^SSH-[^\r\n]*/.exec(first.toString('latin1'))?.[0] ?? '';
        if (keyType === undefined)
          finish({
            kind: 'garbage',
            seen: printableExcerpt(hostKey),
            reason: 'host key blob is not an SSH key',
          });
        else
          finish({
            kind: 'found',
            finding: {
              protocol: 'ssh',
              banner: line.slice(0, 255),
              hostKey: `${keyType} ${hostKey.toString('base64')}`,
              fingerprint: fingerprintOf(hostKey),
            },
          });
      } else if (first.length > 0)
        finish({ kind: 'garbage', seen: printableExcerpt(first), reason: 'SSH handshake failed' });
      else finish({ kind: 'silent', reason: connected ? 'closed' : 'unreachable' });
    });
    client.on('close', () => {
      if (first.length > 0)
        finish({
          kind: 'garbage',
          seen: printableExcerpt(first),
          reason: 'closed during SSH handshake',
        });
      else finish({ kind: 'silent', reason: connected ? 'closed' : 'refused' });
    });
    client.on('ready', () => {
      // Unreachable: the verifier refuses every key, so no authentication can follow.
      finish({ kind: 'silent', reason: 'closed' });
    });
    client.connect({
      sock,
      username: 'airlock-discovery',
      readyTimeout: options.timeoutMs,
      hostVerifier: (key: Buffer) => {
        hostKey = Buffer.from(key);
        return false;
      },
    });
  });
}
