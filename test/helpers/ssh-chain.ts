/**
 * The whole SSH chain for end-to-end tests: a real sshd (test/peers/sshd.ts), an OT gateway with
 * the real SSH broker (and an echo broker standing in for the Modbus proxy behind `-L`), an IT
 * gateway with its SSH endpoint, enrolled and linked, users with TOTP, keys and an approved
 * grant, and the real OpenSSH client driven with a pinned known_hosts file and SSH_ASKPASS for the
 * password and the TOTP prompt (a script that prints what the test put in a file).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { generateSync } from 'otplib';
import type { SettingsChange } from '../../gateway-it/src/itsm/itsm.js';
import type { HarnessUser } from './it-harness.js';
import {
  SITE,
  startIt,
  startOt,
  type ItFixture,
  type OtFixture,
  type StartItOptions,
  waitForSiteConnected,
} from './link-fixture.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { distRoot, startNode, type Started } from '../../shared/src/testing/processes.js';
import { echoBroker } from './test-brokers.js';
import { storeTargetPassword } from './ot-ssh-process.js';
import { waitFor } from './wait-for.js';
import { operatorSshEnv } from './operator-ssh.js';
import { startSshd, type SshdPeer } from '../peers/sshd.js';
import { omitUndefined } from '../../shared/src/omit-undefined.js';
import { createHarnessUser } from './create-user-now.js';

export interface SshRun {
  readonly code: number | null;
  /** Standard output as text (empty when `countStdout` was set). */
  readonly stdout: string;
  readonly stderr: string;
  /** Bytes received on standard output. */
  readonly stdoutBytes: number;
  /** Milliseconds from spawning the client to its first byte of output (undefined: none). */
  readonly firstByteMs: number | undefined;
  /** Milliseconds from spawning the client to its exit. */
  readonly totalMs: number;
}

export interface RunOptions {
  readonly input?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  /** Count the output instead of keeping it (bulk transfers). */
  readonly countStdout?: boolean;
  /** Called with each chunk of standard output as it arrives. */
  readonly onStdout?: (chunk: Buffer) => void;
}

export interface ChainUser extends HarnessUser {
  /** Private key file registered for the user (undefined: password users). */
  readonly keyFile?: string;
}

/**
 * The OpenSSH options that log in with `user`'s registered key only (then the code, if asked): the
 * same for ssh, scp and sftp.
 */
export function keyLogin(user: ChainUser): string[] {
  return [
    '-i',
    user.keyFile ?? '',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'PreferredAuthentications=publickey,keyboard-interactive',
  ];
}

export interface SshChain {
  readonly it: ItFixture;
  /** The OT gateway when it runs in this process... */
  readonly ot?: OtFixture;
  /** ...or as its own process (`otProcess: true`). */
  readonly otProcess?: Started;
  readonly sshd: SshdPeer;
  readonly sshPort: number;
  readonly dir: string;
  readonly users: { alice: ChainUser; bob: ChainUser; olga: ChainUser };
  /** The grant approved at start ('' with `request: false`). */
  readonly grantId: string;
  /** ssh/scp/sftp options shared by every run: no config files, pinned host key. */
  baseOptions(): string[];
  /** `baseOptions`, the SSH endpoint's port and `keyLogin(u)`: what an ssh login with the key takes. */
  keyOptions(u: ChainUser): string[];
  /** Sets what the askpass script answers: the TOTP code (current, or `stepOffset` steps ahead) and a password. */
  answers(
    u: ChainUser,
    o?: { stepOffset?: number; recoveryCode?: string; password?: string },
  ): void;
  /** Runs a program of the OpenSSH client suite to completion. */
  run(program: 'ssh' | 'scp' | 'sftp', args: readonly string[], o?: RunOptions): Promise<SshRun>;
  /** The askpass script (answers what `answers` set, and `extra` prompts matched by substring). */
  readonly askpass: string;
  audit(action: string): { outcome: string; details: Readonly<Record<string, unknown>> }[];
}

export interface SshChainOptions {
  /** Run the OT gateway as a separate process (test/helpers/ot-ssh-process.ts). */
  readonly otProcess?: boolean;
  /** Use this sshd as the target instead of starting one. */
  readonly target?: SshdPeer;
  /** Askpass answers for other password prompts (`match` is a substring of the prompt, e.g. a user name). */
  readonly extraPasswords?: readonly { readonly match: string; readonly password: string }[];
  /** IT config overrides for the SSH endpoint. */
  readonly ssh?: StartItOptions['ssh'];
  /** IT outgoing notifications (a webhook). */
  readonly notifications?: StartItOptions['notifications'];
  /** IT ITSM connectors, the site's ITSM check (set before the request) and the request's ticket. */
  readonly itsm?: StartItOptions['itsm'];
  readonly itsmSite?: SettingsChange;
  /** IT SSO providers (config file form). */
  readonly sso?: StartItOptions['sso'];
  readonly ticketRef?: string;
  /** The IT gateway's clock (default: the system's). */
  readonly clock?: StartItOptions['clock'];
  /** Both gateways serve /metrics with the bearer token in this file (OT: its own port). */
  readonly metricsTokenFile?: string;
  /** hmi-1's `maintenance` profile (default: record-only with SFTP). */
  readonly profile?: Record<string, unknown>;
  /**
   * plc-1 at this port with the real Modbus broker in the OT process (`otProcess`), its read-only
   * profile merged with `profile` (benchmarks: the operator's `ssh -L` path). Default: port 15020,
   * echo broker.
   */
  readonly modbus?: { readonly port: number; readonly profile?: Record<string, unknown> };
  /**
   * opc-1, an OPC UA asset at this port (its server certificate pinned), with the real OPC UA broker
   * and its `read-only` profile, in alice's grant (benchmarks: the operator's `ssh -L` path).
   */
  readonly opcua?: {
    readonly port: number;
    readonly serverCertificateSha256: string;
    readonly profile: Record<string, unknown>;
  };
  /** The OT local policy's limit of live sessions (default 400). */
  readonly maxConcurrentSessions?: number;
  /** The OT local policy's `approvals` (default: absent, it-signed). */
  readonly approvals?: unknown;
  /** The IT portal's port and public URL (https://localhost:<port>, where passkeys work). */
  readonly itPort?: number;
  readonly publicUrl?: string;
  /** false: no request is made or approved at start (the test does it; `grantId` is ''). */
  readonly request?: boolean;
}

export async function startSshChain(
  t: Pick<TestContext, 'after'>,
  o: SshChainOptions = {},
): Promise<SshChain> {
  const dir = makeTempDir(t, 'airlock-sshchain-');
  const sshd = o.target ?? (await startSshd(t));
  const account = sshd.users[0];
  if (account === undefined) throw new Error('sshd has no user');
  const it = await startIt(t, {
    ...omitUndefined({
      ssh: o.ssh,
      notifications: o.notifications,
      itsm: o.itsm,
      clock: o.clock,
      sso: o.sso,
      port: o.itPort,
      publicUrl: o.publicUrl,
    }),
    ...(o.metricsTokenFile === undefined ? {} : { metrics: { tokenFile: o.metricsTokenFile } }),
  });
  const policy = {
    limits: { maxSessionMinutes: 240, maxConcurrentSessions: o.maxConcurrentSessions ?? 400 },
    ...(o.approvals === undefined ? {} : { approvals: o.approvals }),
    assets: {
      'hmi-1': {
        protocol: 'ssh',
        address: '127.0.0.1',
        port: sshd.port,
        hostKey: sshd.hostKey,
        username: account.name,
        profiles: { maintenance: o.profile ?? { mode: 'record-only', sftp: true } },
      },
      'plc-1': {
        protocol: 'modbus',
        address: '127.0.0.1',
        port: o.modbus?.port ?? 15020,
        profiles: { 'read-only': { unitIds: [1], ...o.modbus?.profile } },
      },
      ...(o.opcua === undefined
        ? {}
        : {
            'opc-1': {
              protocol: 'opcua',
              address: '127.0.0.1',
              port: o.opcua.port,
              serverCertificateSha256: o.opcua.serverCertificateSha256,
              profiles: { 'read-only': o.opcua.profile },
            },
          }),
    },
  };
  const realBrokers = o.modbus !== undefined || o.opcua !== undefined;
  let ot: OtFixture | undefined;
  let otProcess: Started | undefined;
  if (o.otProcess === true) {
    const enrolled = await startOt(t, { enrollWith: it, policy, start: false });
    await enrolled.stop();
    const cfg = join(dir, 'ot-config.json');
    const pw = join(dir, 'target-password');
    writeFileSync(cfg, JSON.stringify(enrolled.config));
    writeFileSync(pw, account.password, { mode: 0o600 });
    otProcess = await startNode(
      t,
      [join(distRoot, 'test', 'helpers', 'ot-ssh-process.js'), cfg, pw],
      realBrokers ? { env: { ...process.env, AIRLOCK_TEST_REAL_MODBUS: '1' } } : {},
    );
  } else {
    ot = await startOt(t, {
      enrollWith: it,
      policy,
      brokers: [echoBroker('modbus')],
      ...(o.metricsTokenFile === undefined
        ? {}
        : { metrics: { host: '127.0.0.1', port: 0, tokenFile: o.metricsTokenFile } }),
    });
    storeTargetPassword(ot.gw, account.password);
  }
  const s = it.gw.services;
  await waitFor(
    'the site catalogue',
    () =>
      s.store.catalogue.get(SITE, 'hmi-1') !== undefined &&
      (o.opcua === undefined || s.store.catalogue.get(SITE, 'opc-1') !== undefined) &&
      s.links.get(SITE).state === 'online',
  );
  const sshPort = it.running.ssh?.port;
  const hostKey = it.running.ssh?.publicKey;
  if (sshPort === undefined || hostKey === undefined)
    throw new Error('the IT gateway has no SSH endpoint');

  const mk = (name: string, roles: Parameters<typeof createHarnessUser>[2]): HarnessUser =>
    createHarnessUser(s.auth.userAdmin, name, roles);
  const keyFile = join(dir, 'alice_ed25519');
  execFileSync('/usr/bin/ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'alice@laptop',
    '-f',
    keyFile,
  ]);
  const alice: ChainUser = { ...mk('alice', [{ role: 'engineer' }]), keyFile };
  s.auth.sshKeys.add(alice.user, execFileSync('/bin/cat', [`${keyFile}.pub`]).toString());
  const bob: ChainUser = mk('bob', [{ role: 'engineer' }]);
  const olga: ChainUser = mk('olga', [{ role: 'ot-owner', site: SITE }]);

  const now = Date.now();
  s.access.windows.addWindow({ cli: 'cli:test' }, SITE, {
    asset: null,
    label: 'test window',
    rule: { kind: 'once', start: now - 3_600_000, end: now + 6 * 3_600_000 },
  });
  if (o.itsmSite !== undefined)
    s.itsm.settings.set({ name: 'cli:test', roles: [{ role: 'admin' }] }, SITE, o.itsmSite);
  const grantId = o.request === false ? '' : await approvedGrant();
  async function approvedGrant(): Promise<string> {
    const req = await s.access.requests.create(alice.user, {
      site: SITE,
      assets: [
        { asset: 'hmi-1', profile: 'maintenance' },
        { asset: 'plc-1', profile: 'read-only' },
        ...(o.opcua === undefined ? [] : [{ asset: 'opc-1', profile: 'read-only' }]),
      ],
      startsAt: now,
      endsAt: now + 4 * 3_600_000,
      reason: 'firmware update on the HMI',
      ...omitUndefined({ ticketRef: o.ticketRef }),
    });
    const decided = await s.access.approvals.decide(olga.user, req.id, 'approve', 'ok');
    if (decided.grantId === null) throw new Error(`no grant: ${decided.outcome}`);
    return decided.grantId;
  }

  // Creating the users above hashed their passwords (argon2id), holding this process's event loop.
  await waitForSiteConnected(it);

  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `[127.0.0.1]:${sshPort} ${hostKey}\n`);
  const askpass = join(dir, 'askpass.sh');
  const extra = (o.extraPasswords ?? [])
    .map((p) => `  *${p.match}*) echo '${p.password}' ;;\n`)
    .join('');
  writeFileSync(
    askpass,
    `#!/bin/sh\ncase "$1" in\n  *erification*) cat '${dir}/answer-code' ;;\n${extra}  *assword*) cat '${dir}/answer-password' ;;\n  *) echo "unexpected prompt: $1" >&2; exit 1 ;;\nesac\n`,
  );
  chmodSync(askpass, 0o700);

  const chain: SshChain = {
    it,
    ...omitUndefined({ ot, otProcess }),
    sshd,
    sshPort,
    dir,
    users: { alice, bob, olga },
    grantId,
    baseOptions: () => [
      '-F',
      '/dev/null',
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'NumberOfPasswordPrompts=1',
      '-o',
      'ConnectTimeout=20',
      '-o',
      'LogLevel=ERROR',
    ],
    keyOptions: (u) => [...chain.baseOptions(), '-p', String(sshPort), ...keyLogin(u)],
    answers(u, o = {}) {
      const code =
        o.recoveryCode ??
        generateSync({
          secret: u.totpSecret,
          epoch: Math.floor(Date.now() / 1000) + 30 * (o.stepOffset ?? 0),
        });
      writeFileSync(join(dir, 'answer-code'), `${code}\n`, { mode: 0o600 });
      writeFileSync(join(dir, 'answer-password'), `${o.password ?? u.password}\n`, { mode: 0o600 });
    },
    askpass,
    run(program, args, o = {}) {
      const env = operatorSshEnv({ dir, askpass }, o.env);
      const started = performance.now();
      const child = spawn(`/usr/bin/${program}`, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let stdoutBytes = 0;
      let firstByteMs: number | undefined;
      child.stdout.on('data', (d: Buffer) => {
        firstByteMs ??= performance.now() - started;
        stdoutBytes += d.length;
        o.onStdout?.(d);
        if (o.countStdout !== true) stdout += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdin.on('error', () => undefined);
      if (o.input !== undefined) child.stdin.write(o.input);
      child.stdin.end();
      return new Promise((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60_000);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({
            code,
            stdout,
            stderr,
            stdoutBytes,
            firstByteMs,
            totalMs: performance.now() - started,
          });
        });
      });
    },
    audit: (action) =>
      [...s.store.audit.iterate()]
        .filter((e) => e.action === action)
        .map((e) => ({ outcome: e.outcome, details: e.details })),
  };
  return chain;
}
