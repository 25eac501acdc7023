/**
 * A newcomer's first hour with the demo, followed as printed: `npm run demo -- --help` prints the
 * usage, and the command it shows (one `--`, then the flags) starts the demo with its state in a
 * temp dir; `npm run demo:totp -- --state-dir DIR alice` reads that dir. The banner's known_hosts
 * line lets the real OpenSSH client connect with StrictHostKeyChecking=yes (nobody is asked to
 * trust an unknown key), and its fingerprint is the key's. alice, with no grant, is told where to
 * get one (the portal's request page); with a grant that starts later, she is told when in the
 * site's time (Europe/Berlin), not UTC. Ctrl-C stops everything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { generateSync } from 'otplib';
import { repoRoot } from '../../shared/src/testing/processes.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import type { DemoCredentials } from '../helpers/demo-launcher.js';
import { pinnedRequest } from '../helpers/https-client.js';
import { demoSshClient } from '../helpers/demo-ssh-client.js';
import { waitFor } from '../helpers/wait-for.js';
import { readFileSync } from 'node:fs';

const npm = (args: readonly string[]): string =>
  execFileSync('npm', ['run', '--silent', ...args], { cwd: repoRoot, timeout: 120_000 }).toString();

test(
  "the demo's usage works as printed; its banner's known_hosts line lets ssh in strictly; refusals say where and when in site time",
  { timeout: 240_000 },
  async (t) => {
    const usage = npm(['demo', '--', '--help']);
    const line = /^usage: (npm run demo -- .*)$/m.exec(usage)?.[1];
    assert.ok(line !== undefined, usage);
    assert.match(line, /^npm run demo -- \[--keep\] \[--state-dir DIR\] \[--port-offset N\]$/);
    assert.doesNotMatch(usage, /\[-- --/, 'no second `--` in front of a flag');

    // The printed form, filled in: npm run demo -- --keep --state-dir DIR --port-offset N --loopback
    const dir = makeTempDir(t, 'airlock-first-hour-');
    const offset = 3_500 + (process.pid % 5_000);
    const args = ['run', 'demo', '--', '--keep', '--state-dir', dir];
    args.push('--port-offset', String(offset), '--loopback');
    const child = spawn('npm', args, {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    t.after(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: npm, the launcher and what it started are gone already.
      }
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(
      'the demo to say it is running',
      () => {
        if (child.exitCode !== null) throw new Error(`the demo exited:\n${out}`);
        return out.includes('Airlock demo is running');
      },
      180_000,
      200,
    );
    assert.doesNotMatch(out, /Unexpected argument/);
    assert.doesNotMatch(out, /NODE-OPCUA-W27|security-revert/, 'no node-opcua W27 warning');
    const creds = JSON.parse(
      readFileSync(join(dir, 'credentials.json'), 'utf8'),
    ) as DemoCredentials;
    const alice = creds.users.find((u) => u.name === 'alice');
    const olga = creds.users.find((u) => u.name === 'olga');
    assert.ok(alice !== undefined && olga !== undefined);

    // demo:totp with the same --state-dir, as the banner prints it.
    assert.match(out, new RegExp(`npm run demo:totp -- --state-dir ${dir} alice`));
    const totp = npm(['demo:totp', '--', '--state-dir', dir, 'alice']).trim();
    const nowMs = Date.now();
    assert.ok(
      [nowMs - 30_000, nowMs].some(
        (at) => generateSync({ secret: alice.totpSecret, epoch: Math.floor(at / 1000) }) === totp,
      ),
      `demo:totp printed alice's current code (${totp})`,
    );

    // The banner's SSH lines: the key's fingerprint and a ready known_hosts line.
    const sshPort = 2222 + offset;
    const keyFile = join(dir, 'it', 'data', 'keys', 'ssh-host-ed25519.key');
    const publicKey = execFileSync('/usr/bin/ssh-keygen', ['-y', '-f', keyFile]).toString().trim();
    const knownHosts = new RegExp(
      `known_hosts\\s+(\\[127\\.0\\.0\\.1\\]:${sshPort} ssh-ed25519 \\S+)`,
    ).exec(out)?.[1];
    assert.equal(knownHosts, `[127.0.0.1]:${sshPort} ${publicKey}`);
    const fingerprint = /SSH host key\s+(SHA256:\S+)/.exec(out)?.[1];
    const keygenFp = execFileSync('/usr/bin/ssh-keygen', ['-l', '-f', '-'], { input: publicKey })
      .toString()
      .split(' ')[1];
    assert.equal(fingerprint, keygenFp);

    // The real OpenSSH client, trusting only that line; answers from files (SSH_ASKPASS).
    const client = demoSshClient(dir, knownHosts ?? '');
    const answer = (code: string): void => client.answer(alice.password, code);
    const ssh = async (): Promise<{ code: number | null; stderr: string }> => {
      const c = spawn(
        '/usr/bin/ssh',
        [...client.options, '-p', String(sshPort), 'alice:hmi-1@127.0.0.1', 'true'],
        {
          env: client.env,
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
      const [code] = (await once(c, 'close')) as [number | null];
      clearTimeout(timer);
      return { code, stderr };
    };
    const portal = `https://127.0.0.1:${8443 + offset}`;
    answer(totp);
    const noGrant = await ssh();
    assert.doesNotMatch(noGrant.stderr, /Host key verification failed|REMOTE HOST IDENTIFICATION/);
    assert.equal(noGrant.code, 255, noGrant.stderr);
    assert.match(
      noGrant.stderr,
      new RegExp(
        `airlock: you have no grant for hmi-1 at plant-1; request one at ${portal.replace(/\./g, '\\.')}/requests/new\\?site=plant-1`,
      ),
    );

    // A grant that starts in two hours: refused with its start in the site's time.
    const fp = /certificate SHA-256 ([0-9A-F:]{95})/
      .exec(out)?.[1]
      ?.replace(/:/g, '')
      .toLowerCase();
    assert.ok(fp !== undefined, out);
    const api = async (token: string | undefined, path: string, body: unknown): Promise<string> => {
      const r = await pinnedRequest(`${portal}/api/v1${path}`, fp, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        },
        body: JSON.stringify(body),
      });
      assert.ok(r.status === 200 || r.status === 201, r.body);
      return r.body;
    };
    const login = async (u: typeof alice, second: Record<string, string>): Promise<string> =>
      (
        JSON.parse(
          await api(undefined, '/auth/login', { name: u.name, password: u.password, ...second }),
        ) as { token: string }
      ).token;
    const aliceToken = await login(alice, { recoveryCode: alice.recoveryCodes[0] ?? '' });
    const olgaToken = await login(olga, { code: generateSync({ secret: olga.totpSecret }) });
    const start = Date.now() + 2 * 3_600_000;
    const request = JSON.parse(
      await api(aliceToken, '/requests', {
        site: 'plant-1',
        assets: [{ asset: 'hmi-1', profile: 'maintenance' }],
        start: new Date(start).toISOString(),
        end: new Date(start + 3_600_000).toISOString(),
        reason: 'first hour: the afternoon job',
        ticketRef: 'CHG0001001',
      }),
    ) as { id: string };
    await api(olgaToken, `/requests/${request.id}/decision`, {
      decision: 'approve',
      comment: 'later today',
    });
    const berlin = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Europe/Berlin',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    }).format(new Date(start));
    // The second login answers the verification prompt with a recovery code (the TOTP code is spent).
    answer(alice.recoveryCodes[1] ?? '');
    const early = await ssh();
    assert.equal(early.code, 255, early.stderr);
    assert.match(
      early.stderr,
      new RegExp(`airlock: your grant \\S+ for hmi-1 starts at ${berlin} Europe/Berlin`),
    );
    assert.doesNotMatch(early.stderr, /starts at \d{4}-\d\d-\d\dT[\d:.]+Z/);

    process.kill(-(child.pid ?? 0), 'SIGINT');
    await waitFor('the demo to stop', () => out.includes('stopped.'), 30_000, 200);
  },
);
