/**
 * The native SSH path end to end with the real OpenSSH client, through the IT gateway's SSH
 * endpoint, the link and the OT gateway's SSH broker, to a real sshd: public key + TOTP login,
 * exec with stdout, stderr and exit status, an interactive pty session, scp and sftp, `-L` to the
 * granted Modbus asset and refusals of other destinations, refusals that say why (no grant, wrong
 * target, a Modbus asset as a shell), agent forwarding refused, and a grant that ends
 * mid-session. One login per connection: the sessions share an OpenSSH ControlMaster connection,
 * each of its sessions being one OT session, as with any multiplexing client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { freePort } from '../../../image/demo/plant/free-port.js';
import { waitFor } from '../../helpers/wait-for.js';
import { startSshChain, type SshChain, keyLogin } from '../../helpers/ssh-chain.js';

/** Opens a ControlMaster connection for `login` (key + TOTP) and returns the options that reuse it. */
async function master(
  t: { after(fn: () => Promise<unknown> | void): void },
  chain: SshChain,
  login: string,
): Promise<string[]> {
  const ctl = join(chain.dir, `ctl-${randomBytes(3).toString('hex')}`);
  const { alice } = chain.users;
  chain.answers(alice);
  const opened = await chain.run('ssh', [
    ...chain.baseOptions(),
    '-p',
    String(chain.sshPort),
    ...keyLogin(alice),
    '-M',
    '-S',
    ctl,
    '-o',
    'ControlPersist=yes',
    '-f',
    '-N',
    `${login}@127.0.0.1`,
  ]);
  assert.equal(opened.code, 0, `master connection failed: ${opened.stderr}`);
  t.after(() =>
    chain.run('ssh', ['-F', '/dev/null', '-S', ctl, '-O', 'exit', 'x']).then(() => undefined),
  );
  // ControlPath rather than -S: scp's -S means something else.
  return [...chain.baseOptions(), '-o', `ControlPath=${ctl}`, '-o', 'ControlMaster=no'];
}

test('native SSH through both gateways to a real sshd', { timeout: 240_000 }, async (t) => {
  const chain = await startSshChain(t);
  const { alice, bob } = chain.users;
  const mux = await master(t, chain, 'alice:hmi-1');
  const ssh = (args: readonly string[], o?: { input?: string; env?: NodeJS.ProcessEnv }) =>
    chain.run('ssh', [...mux, ...args], o);
  const logins = chain.audit('auth.login').filter((e) => e.outcome === 'success');
  assert.deepEqual(
    logins.map((e) => [e.details.via, e.details.mfa]),
    [['ssh', 'totp']],
    'one login, by key, then TOTP',
  );

  await t.test('exec: stdout, stderr and the exit status come back', async () => {
    const r = await ssh(['alice:hmi-1@127.0.0.1', 'echo out-$((6*7)); echo err-line >&2; exit 7']);
    assert.equal(r.code, 7, r.stderr);
    assert.equal(r.stdout, 'out-42\n');
    assert.match(r.stderr, /err-line/);
    // Every byte arrives before the exit status (the tail used to be lost when the site closed at once).
    const bulk = await chain.run(
      'ssh',
      [...mux, 'alice:hmi-1@127.0.0.1', 'head -c 3000000 /dev/zero'],
      { countStdout: true },
    );
    assert.equal(bulk.code, 0, bulk.stderr);
    assert.equal(bulk.stdoutBytes, 3_000_000);
  });

  await t.test('an interactive pty session runs a shell on the target', async () => {
    const r = await ssh(['-tt', 'alice:hmi-1@127.0.0.1'], {
      input: 'echo "pty-$((2*21))"; tty; exit 3\n',
    });
    assert.match(r.stdout, /pty-42/);
    assert.match(r.stdout, /\/dev\/pts\//, 'a real pty on the target');
    assert.equal(r.code, 3);
  });

  await t.test('scp and sftp move files both ways', async () => {
    const payload = randomBytes(300_000);
    const local = join(chain.dir, 'upload.bin');
    writeFileSync(local, payload);
    const scpOpts = [...mux, '-o', 'User=alice:hmi-1'];
    const up = await chain.run('scp', [...scpOpts, local, '127.0.0.1:upload.bin']);
    assert.equal(up.code, 0, up.stderr);
    const back = join(chain.dir, 'back.bin');
    const down = await chain.run('scp', [...scpOpts, '127.0.0.1:upload.bin', back]);
    assert.equal(down.code, 0, down.stderr);
    assert.ok(readFileSync(back).equals(payload), 'scp round trip');
    const batch = join(chain.dir, 'batch');
    writeFileSync(
      batch,
      `ls -l upload.bin\nget upload.bin ${join(chain.dir, 'sftp.bin')}\nrm upload.bin\n`,
    );
    const sftp = await chain.run('sftp', [...scpOpts, '-b', batch, '127.0.0.1']);
    assert.equal(sftp.code, 0, sftp.stderr);
    assert.match(sftp.stdout, /upload\.bin/);
    assert.ok(readFileSync(join(chain.dir, 'sftp.bin')).equals(payload), 'sftp get');
  });

  await t.test('-L reaches the granted asset and port only', async () => {
    const [granted, wrongPort, sshAsset] = [await freePort(), await freePort(), await freePort()];
    for (const spec of [`${granted}:plc-1:502`, `${wrongPort}:plc-1:503`, `${sshAsset}:hmi-1:22`]) {
      const f = await ssh(['-O', 'forward', '-L', `127.0.0.1:${spec}`, 'alice:hmi-1@127.0.0.1']);
      assert.equal(f.code, 0, f.stderr);
    }
    const exchange = (port: number, data: Buffer) =>
      new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const sock = connect(port, '127.0.0.1', () => sock.write(data));
        sock.setTimeout(20_000, () => sock.destroy(new Error('timeout')));
        sock.on('data', (d) => {
          chunks.push(d);
          if (Buffer.concat(chunks).length >= data.length) sock.end();
        });
        // A refused forward: OpenSSH closes the local connection (often with a reset).
        sock.on('error', (e: NodeJS.ErrnoException) =>
          e.code === 'ECONNRESET' ? undefined : reject(e),
        );
        sock.on('close', () => resolve(Buffer.concat(chunks)));
      });
    const probe = Buffer.from('0001000000060103000a0002', 'hex');
    assert.ok(
      (await exchange(granted, probe)).equals(probe),
      'bytes reach the Modbus broker of the site and come back',
    );
    assert.equal(
      (await exchange(wrongPort, probe)).length,
      0,
      'another port of the asset is refused',
    );
    assert.equal((await exchange(sshAsset, probe)).length, 0, 'an SSH asset is not forwarded');
    const forwards = chain.audit('ssh.forward');
    assert.deepEqual(
      forwards.map((f) => [f.outcome, f.details.code ?? 'ok']),
      [
        ['success', 'ok'],
        ['denied', 'ssh.forward_wrong_port'],
        ['denied', 'ssh.forward_ssh_asset'],
      ],
    );
  });

  await t.test(
    'refusals say why: no grant (password login), unknown target, a Modbus asset as a shell',
    async () => {
      chain.answers(bob);
      const pw = [
        ...chain.baseOptions(),
        '-p',
        String(chain.sshPort),
        '-o',
        'PubkeyAuthentication=no',
        '-o',
        'PreferredAuthentications=password,keyboard-interactive',
      ];
      const noGrant = await chain.run('ssh', [...pw, 'bob:hmi-1@127.0.0.1', 'true']);
      assert.equal(noGrant.code, 255);
      assert.match(
        noGrant.stderr,
        /airlock: you have no grant for hmi-1 at plant-1; request one at https:\/\/\S+\/requests\/new\?site=plant-1/,
        'the refusal names the portal page where a grant is requested',
      );
      const key = [...chain.baseOptions(), '-p', String(chain.sshPort), ...keyLogin(alice)];
      chain.answers(alice, { stepOffset: 1 });
      const unknown = await chain.run('ssh', [...key, 'alice:hmi-9@127.0.0.1', 'true']);
      assert.equal(unknown.code, 255);
      assert.match(unknown.stderr, /airlock: there is no asset hmi-9/);
      chain.answers(alice, { recoveryCode: alice.recoveryCodes[0] ?? '' });
      const modbus = await chain.run('ssh', [...key, 'alice:plc-1@127.0.0.1', 'true']);
      assert.equal(modbus.code, 255);
      assert.match(
        modbus.stderr,
        /plc-1 is reached over modbus: forward it with ssh -N -L <local port>:plc-1:502/,
      );
      const denies = chain.audit('session.deny').map((e) => e.details.code);
      assert.ok(denies.includes('access.no_grant'), JSON.stringify(denies));
    },
  );

  await t.test('a wrong TOTP code is refused and audited', async () => {
    // The master's key + code login made the key fresh (no code asked): end that, so one is.
    chain.it.gw.services.store.sshFreshLogins.endForUser(alice.user.id);
    const wrong = String((Number(generateCode(chain, alice)) + 1) % 1_000_000).padStart(6, '0');
    writeFileSync(join(chain.dir, 'answer-code'), `${wrong}\n`);
    const key = [...chain.baseOptions(), '-p', String(chain.sshPort), ...keyLogin(alice)];
    const r = await chain.run('ssh', [...key, 'alice:hmi-1@127.0.0.1', 'true']);
    assert.equal(r.code, 255);
    assert.match(r.stderr, /Permission denied/);
    assert.ok(
      chain.audit('mfa.verify').some((e) => e.outcome === 'failure' && e.details.via === 'ssh'),
    );
  });

  await t.test('agent forwarding is refused and the operator is told', async () => {
    const sock = join(chain.dir, 'agent.sock');
    const agent = spawn('/usr/bin/ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    t.after(() => void agent.kill());
    await waitFor('ssh-agent', () => {
      try {
        readFileSync(sock);
        return false;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code !== 'ENOENT';
      }
    });
    chain.answers(alice, { recoveryCode: alice.recoveryCodes[1] ?? '' });
    const key = [...chain.baseOptions(), '-p', String(chain.sshPort), ...keyLogin(alice)];
    const r = await chain.run(
      'ssh',
      [...key, '-A', 'alice:hmi-1@127.0.0.1', 'echo "agent=[$SSH_AUTH_SOCK]"'],
      { env: { SSH_AUTH_SOCK: sock } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'agent=[]\n');
    assert.match(r.stderr, /airlock: agent forwarding is refused/);
    assert.ok(chain.audit('ssh.request_deny').some((e) => e.details.request === 'auth-agent'));
  });

  await t.test(
    'with no target: a menu of granted assets on a pty, and a clear refusal without one',
    async () => {
      chain.answers(alice, { recoveryCode: alice.recoveryCodes[2] ?? '' });
      const key = [...chain.baseOptions(), '-p', String(chain.sshPort), ...keyLogin(alice)];
      const menu = await chain.run('ssh', [...key, '-tt', 'alice@127.0.0.1'], {
        input: '1\recho "menu-$((40+2))"; exit 4\n',
        timeoutMs: 15_000,
      });
      assert.match(menu.stdout, /assets you can open now/);
      assert.match(
        menu.stdout,
        /1\) plant-1\/hmi-1 {2}\(maintenance, until \d{4}-\d\d-\d\d \d\d:\d\d Europe\/Berlin\)/,
        "the grant's end in the site's time, not UTC",
      );
      assert.match(
        menu.stdout,
        /plant-1\/plc-1 {2}\(modbus\): ssh -N -L <local port>:plc-1:502 alice@/,
      );
      assert.match(menu.stdout, /menu-42/, 'what was typed after the choice reached the session');
      assert.equal(menu.code, 4);
      chain.answers(alice, { recoveryCode: alice.recoveryCodes[3] ?? '' });
      const exec = await chain.run('ssh', [...key, 'alice@127.0.0.1', 'true']);
      assert.equal(exec.code, 255);
      assert.match(exec.stderr, /airlock: name a target in the user name, e.g. ssh alice:<asset>@/);
    },
  );

  await t.test(
    'window changes and signals reach the target (ssh2 client, which can send both)',
    async () => {
      chain.answers(alice, { recoveryCode: alice.recoveryCodes[4] ?? '' });
      const code = readFileSync(join(chain.dir, 'answer-code'), 'utf8').trim();
      const client = new ssh2.Client();
      t.after(() => client.end());
      const expected = chain.it.running.ssh?.publicKey.split(' ')[1] ?? '';
      await new Promise<void>((resolve, reject) => {
        client.on('ready', resolve).on('error', reject);
        client.on('keyboard-interactive', (_n, _i, _l, _p, finish) => finish([code]));
        client.connect({
          host: '127.0.0.1',
          port: chain.sshPort,
          username: 'alice:hmi-1',
          privateKey: readFileSync(alice.keyFile ?? ''),
          tryKeyboard: true,
          hostVerifier: (key: Buffer) => key.toString('base64') === expected,
          readyTimeout: 0, // no handshake timer to race on a loaded machine: the test's timeout bounds it
        });
      });
      const shell = await new Promise<ssh2.ClientChannel>((resolve, reject) =>
        client.shell({ rows: 24, cols: 80, term: 'xterm' }, (e, ch) =>
          e ? reject(e) : resolve(ch),
        ),
      );
      let out = '';
      shell.on('data', (d: Buffer) => (out += d.toString()));
      shell.write('stty size\n');
      await waitFor('the first size', () => /24 80/.test(out));
      shell.setWindow(50, 132, 0, 0);
      shell.write('stty size\n');
      await waitFor('the new size', () => /50 132/.test(out));
      shell.end('exit\n');
      const exec = await new Promise<ssh2.ClientChannel>((resolve, reject) =>
        client.exec('echo sleeping; exec sleep 60', (e, ch) => (e ? reject(e) : resolve(ch))),
      );
      const exited = new Promise<unknown[]>((resolve) =>
        exec.on('exit', (...args: unknown[]) => resolve(args)),
      );
      let eout = '';
      exec.on('data', (d: Buffer) => (eout += d.toString()));
      await waitFor('the command to run', () => eout.includes('sleeping'));
      exec.signal('TERM');
      const [status, signal] = await exited;
      assert.equal(status, null);
      assert.equal(signal, 'SIGTERM', 'ssh2 reports the signal name with its SIG prefix');
    },
  );

  await t.test(
    'a grant that ends mid-session ends the session, and then refuses with the reason',
    async () => {
      const s = chain.it.gw.services;
      let seen = '';
      s.sessions.live.subscribe((e) => {
        if (e.type === 'started') e.session.watchOutput((c) => (seen += c.toString()));
      });
      const long = ssh(['alice:hmi-1@127.0.0.1', 'echo started; exec sleep 120']);
      await waitFor('the long session to run', () => seen.includes('started'));
      // The grant's end is moved to now (as if its time ran out); the expiry sweep does the rest.
      s.store.db
        .prepare('UPDATE grants SET not_after = ? WHERE id = ?')
        .run(Date.now() - 1, chain.grantId);
      s.access.grants.rearm();
      const r = await long;
      assert.equal(r.code, 255);
      assert.match(r.stderr, /airlock: session ended/);
      const after = await ssh(['alice:hmi-1@127.0.0.1', 'true']);
      assert.equal(after.code, 255);
      assert.match(after.stderr, /airlock: your grant \S+ for hmi-1 ended at/);
      assert.equal(s.sessions.live.size, 0);
    },
  );
});

function generateCode(chain: SshChain, u: SshChain['users']['alice']): string {
  chain.answers(u);
  return readFileSync(join(chain.dir, 'answer-code'), 'utf8').trim();
}
