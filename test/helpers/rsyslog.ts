/**
 * A real syslog collector for tests: Debian's rsyslogd (with rsyslog-gnutls) on 127.0.0.1, with its
 * own config, work dir and TLS identity (a self-signed certificate that is also the client's CA),
 * receiving RFC 5424 over TLS with imtcp (octet-counted framing) and writing each raw message as a
 * line to a file. Started on an ephemeral port (imtcp's listenPortFileName reports it); `restart`
 * brings it back on the same port. rsyslog reads what it was sent and closes with FIN on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createSelfSignedIdentity } from '../../shared/src/crypto/tls-identity.js';
import { waitFor } from './wait-for.js';

export const RSYSLOGD = '/usr/sbin/rsyslogd';

export interface Collector {
  readonly port: number;
  /** PEM file the forwarder trusts (the collector's self-signed certificate). */
  readonly caFile: string;
  readonly fingerprint: string;
  /** Messages received so far, one per line. */
  lines(): string[];
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export async function startCollector(
  t: Pick<TestContext, 'after'>,
  dir: string,
): Promise<Collector> {
  const work = join(dir, 'work');
  mkdirSync(work, { recursive: true });
  const id = await createSelfSignedIdentity({
    hostnames: ['127.0.0.1', 'localhost'],
    commonName: 'test-collector',
  });
  const cert = join(dir, 'collector.crt');
  const key = join(dir, 'collector.key');
  writeFileSync(cert, id.certPem);
  writeFileSync(key, id.keyPem, { mode: 0o600 });
  const out = join(dir, 'received.log');
  const portFile = join(dir, 'port');
  const conf = (port: number): string => `
global(workDirectory="${work}" maxMessageSize="64k"
  DefaultNetstreamDriver="gtls"
  DefaultNetstreamDriverCAFile="${cert}"
  DefaultNetstreamDriverCertFile="${cert}"
  DefaultNetstreamDriverKeyFile="${key}")
module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="anon")
template(name="raw" type="string" string="%rawmsg%\\n")
ruleset(name="collect") { action(type="omfile" file="${out}" template="raw" flushOnTXEnd="on") }
input(type="imtcp" address="127.0.0.1" port="${port}" listenPortFileName="${portFile}" ruleset="collect")
`;
  let child: ChildProcess | undefined;
  let output = '';
  const launch = async (port: number): Promise<number> => {
    writeFileSync(portFile, '');
    const confFile = join(dir, 'rsyslog.conf');
    writeFileSync(confFile, conf(port));
    const c = spawn(RSYSLOGD, ['-n', '-f', confFile, '-i', join(dir, 'rsyslogd.pid')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    c.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    c.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    c.on('error', (e) => (output += `spawn error: ${e.message}\n`));
    const listening = await waitFor(
      `rsyslogd to listen (output: ${output})`,
      () => {
        if (c.exitCode !== null) throw new Error(`rsyslogd exited ${c.exitCode}: ${output}`);
        // imtcp reports the port in listenPortFileName only when it picked one (port 0).
        const text =
          port === 0
            ? existsSync(portFile)
              ? readFileSync(portFile, 'utf8').trim()
              : ''
            : String(port);
        return text === '' ? undefined : Number(text);
      },
      20_000,
    );
    if (port !== 0) {
      await waitFor(
        'rsyslogd to accept connections again',
        () => (accepting ? true : (probe(listening), undefined)),
        20_000,
        50,
      );
      accepting = false;
    }
    return listening;
  };
  let accepting = false;
  let probing = false;
  const probe = (p: number): void => {
    if (probing) return;
    probing = true;
    const s = connect({ host: '127.0.0.1', port: p });
    s.on('connect', () => {
      accepting = true;
      s.destroy();
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      probing = false;
    });
  };
  const stop = async (): Promise<void> => {
    const c = child;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = once(c, 'exit');
    c.kill('SIGTERM');
    const grace = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(grace);
  };
  t.after(stop);
  const port = await launch(0);
  return {
    port,
    caFile: cert,
    fingerprint: id.fingerprint,
    lines: () =>
      existsSync(out)
        ? readFileSync(out, 'utf8')
            .split('\n')
            .filter((l) => l !== '')
        : [],
    stop,
    async restart() {
      await stop();
      await launch(port);
    },
  };
}
