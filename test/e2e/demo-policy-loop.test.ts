/**
 * Issue 21's "done when" in the demo, through the commands its banner prints (the "Policy loop"
 * lines, run as printed): olga discovers the plant and finds plc-2, which the policy does not list;
 * onboards it (the running gateway reloads: plc-2 is in the IT side's catalogue at once); puts
 * plc-1's `job` profile in learn mode; alice runs a job through `ssh -N -L` with mbpoll (reads,
 * two writes); olga reviews the proposal with its replay and applies it (the running gateway
 * reloads again), and a write outside it is then refused with exception 02, while a learned one
 * still goes through. Nothing is restarted: the OT gateway's process is the same from start to end.
 * Then audrey, the auditor, downloads the evidence pack of the day's window and the banner's
 * verify-export line, with the audit key it prints, verifies it offline: it names the refusal and
 * the applied policy's hash, and one changed byte of a member fails it; the banner's
 * `airlock-it evidence-pack` line on the running IT gateway writes a pack that verifies too.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateSync } from 'otplib';
import { EVIDENCE_PACK_FILE } from '../../image/demo/demo-policy-loop.js';
import { readBundleFiles, tamper } from '../../gateway-it/src/audit/two-logs.fixture.js';
import { startDemo, portOpen } from '../helpers/demo-launcher.js';
import { demoApi } from '../helpers/demo-api.js';
import { waitFor } from '../helpers/wait-for.js';
import { spawnOperatorSsh } from '../helpers/operator-ssh.js';

interface Run {
  readonly code: number | null;
  readonly out: string;
}

/** Runs one printed command line (words split at spaces; the demo's paths have none). */
function run(line: string, env?: NodeJS.ProcessEnv, cwd?: string): Promise<Run> {
  const [cmd, ...args] = line.split(/ +/);
  return new Promise((resolve) => {
    const child = spawn(cmd ?? '', args, { stdio: ['ignore', 'pipe', 'pipe'], env, cwd });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

test(
  'the demo policy loop: discover, onboard, learn a job, review the proposal and its replay, apply; then a write outside is refused, without a restart; audrey verifies the evidence pack offline',
  { timeout: 300_000 },
  async (t) => {
    const demo = await startDemo(t, 3_400);
    const { offset, dir } = demo;
    // The banner may arrive in several chunks after its first line.
    const banner = await waitFor('the whole banner', () =>
      /^ +Logs +\S+$/m.test(demo.output()) ? demo.output() : undefined,
    );
    const from = banner.indexOf('  Policy loop ');
    const loop = from < 0 ? '' : banner.slice(from, banner.indexOf('  TOTP code ', from));
    assert.ok(loop.length > 0, `the banner prints the policy loop:\n${banner}`);
    const printed = (label: string): string => {
      const m = new RegExp(`^ {4}${label} +(\\S.*)$`, 'm').exec(loop);
      assert.ok(m?.[1] !== undefined, `no "${label}" line in:\n${loop}`);
      return m[1].trim();
    };
    // mbpoll lines: the command before the two-space gap that starts its comment.
    const mbpoll = [...loop.matchAll(/ (mbpoll .*?127\.0\.0\.1(?: \d+)?) {2,}/g)].map(
      (m) => m[1] ?? '',
    );
    assert.equal(mbpoll.length, 4, loop);
    const [readLine, writeHr0, writeHr1, outside] = mbpoll as [string, string, string, string];
    // mbpoll's own answer timeout is 1 s; the first request through the link opens a session.
    const withTimeout = (line: string): string => line.replace(/^mbpoll /, 'mbpoll -o 10 ');
    const plc2Port = Number(/plc-2 \(modbus 127\.0\.0\.1:(\d+)\)/.exec(loop)?.[1]);
    assert.equal(plc2Port, 16_503 + offset);

    // Discover: the scope in the demo policy is the loopback plant; plc-2 is new.
    const discovered = await run(printed('discover'));
    assert.equal(discovered.code, 0, discovered.out);
    const listed = await run(printed('proposals'));
    assert.equal(listed.code, 0, listed.out);
    const proposal = new RegExp(
      `^(dsp_\\S+) +proposed +modbus +127\\.0\\.0\\.1:${plc2Port} `,
      'm',
    ).exec(listed.out)?.[1];
    assert.ok(proposal !== undefined, `plc-2 is proposed:\n${listed.out}`);

    // Onboard it: the file changes, the running gateway reloads and republishes its catalogue.
    const onboarded = await run(printed('onboard').replace('<dsp_...>', proposal));
    assert.equal(onboarded.code, 0, onboarded.out);
    assert.match(onboarded.out, /applied; the running gateway reloaded \(hash [0-9a-f]{64}\)/);

    const base = `https://127.0.0.1:${8443 + offset}`;
    const { call, user, login, requestAndApprove } = demoApi(`${base}/api/v1`, demo);
    const alice = user('alice');
    const olga = user('olga');
    // alice's API login spends a recovery code, so her TOTP code is fresh for the SSH login.
    const aliceToken = await login(alice, { recoveryCode: alice.recoveryCodes[0] ?? '' });
    const olgaToken = await login(olga, { code: generateSync({ secret: olga.totpSecret }) });
    await waitFor(
      'plc-2 in the catalogue the IT side shows',
      async () => {
        const site = await call(olgaToken, 'GET', '/sites/plant-1');
        return site.json<{ assets: { name: string }[] }>().assets.some((a) => a.name === 'plc-2');
      },
      20_000,
      200,
    );

    // Learn: plc-1/job enforces reads only; while it learns, writes up to its ceiling pass.
    const learn = await run(printed('learn'));
    assert.equal(learn.code, 0, learn.out);
    assert.match(learn.out, /plc-1\/job learns until/);

    // The job: alice's grant on plc-1 (profile job), approved by olga, used through ssh -L.
    const now = Date.now();
    await requestAndApprove({
      now,
      requesterToken: aliceToken,
      approverToken: olgaToken,
      assets: [{ asset: 'plc-1', profile: 'job' }],
      reason: 'demo: learn the line 1 job',
      comment: 'learn it',
    });

    const forward = /ssh -p (\d+) -N -L (\d+):plc-1:502 alice@127\.0\.0\.1/.exec(banner);
    assert.ok(forward !== null, 'the banner prints the ssh -L line');
    const [, sshPort, mbLocal] = forward;
    const hostKey = execFileSync('/usr/bin/ssh-keygen', [
      '-y',
      '-f',
      join(dir, 'it', 'data', 'keys', 'ssh-host-ed25519.key'),
    ])
      .toString()
      .trim();
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${sshPort} ${hostKey}\n`);
    writeFileSync(join(dir, 'answer-password'), `${alice.password}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'answer-code'), `${generateSync({ secret: alice.totpSecret })}\n`, {
      mode: 0o600,
    });
    const askpass = join(dir, 'askpass.sh');
    writeFileSync(
      askpass,
      `#!/bin/sh\ncase "$1" in\n  *erification*) cat '${dir}/answer-code' ;;\n  *assword*) cat '${dir}/answer-password' ;;\n  *) exit 1 ;;\nesac\n`,
    );
    chmodSync(askpass, 0o700);
    const ctl = join(dir, 'ctl-loop');
    const master = spawnOperatorSsh(
      t,
      { dir, askpass },
      [
        '-F',
        '/dev/null',
        '-o',
        `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
        '-o',
        'StrictHostKeyChecking=yes',
        '-o',
        'PreferredAuthentications=keyboard-interactive,password',
        '-o',
        'NumberOfPasswordPrompts=1',
        '-o',
        'ConnectTimeout=20',
        '-o',
        'LogLevel=ERROR',
        '-M',
        '-S',
        ctl,
        '-p',
        sshPort ?? '',
        '-N',
        '-L',
        `${mbLocal ?? ''}:plc-1:502`,
        'alice@127.0.0.1',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let masterErr = '';
    master.stderr.on('data', (d: Buffer) => (masterErr += d.toString()));
    await waitFor(
      "alice's ssh -L",
      async () => {
        if (master.exitCode !== null) throw new Error(`alice's SSH login failed: ${masterErr}`);
        return existsSync(ctl) && (await portOpen(Number(mbLocal)));
      },
      30_000,
      200,
    );
    for (const line of [readLine, writeHr0, writeHr1]) {
      const r = await run(withTimeout(line));
      assert.equal(r.code, 0, `${line}\n${r.out}`);
    }

    // Review: the proposal as a diff against the current profile, and the replay of the traffic.
    const proposed = await run(printed('review'));
    assert.equal(proposed.code, 0, proposed.out);
    const prp = /^proposal (prp_\w+) for plc-1\/job/m.exec(proposed.out)?.[1];
    assert.ok(prp !== undefined, proposed.out);
    assert.match(proposed.out, /^\+ .*"write"/m, 'the learned writes are in the diff');
    assert.match(proposed.out, /replay since .*: \d+ operation\(s\), 0 would be refused/);

    // Apply: the running gateway reloads; the same mbpoll lines now meet the applied profile.
    const applied = await run(printed('apply').replace('<prp_...>', prp));
    assert.equal(applied.code, 0, applied.out);
    const hash = /applied; the running gateway reloaded \(hash ([0-9a-f]{64})\)/.exec(
      applied.out,
    )?.[1];
    assert.ok(hash !== undefined, applied.out);
    const learned = await run(withTimeout(writeHr0));
    assert.equal(learned.code, 0, `a learned write still passes:\n${learned.out}`);
    const refused = await run(withTimeout(outside));
    assert.notEqual(refused.code, 0, refused.out);
    assert.match(refused.out, /Illegal data address/i, 'HR 6 was not learned: exception 02');

    // olga's audit view: both reloads with their hashes, and the refusal, from one gateway run.
    const audited = async (action: string) => {
      const r = await call(
        olgaToken,
        'GET',
        `/sites/plant-1/audit?action=${encodeURIComponent(action)}&from=${encodeURIComponent(new Date(now - 600_000).toISOString())}`,
      );
      assert.equal(r.status, 200, r.body);
      return r.json<{ events: { action: string; details: Record<string, unknown> }[] }>().events;
    };
    const reloads = await waitFor(
      'both policy reloads in the site audit',
      async () => {
        const r = await audited('policy.reload');
        return r.some((e) => e.details['policySha256'] === hash) ? r : undefined;
      },
      30_000,
      200,
    );
    assert.equal(reloads.length, 2, 'onboard and apply, each reloaded once');
    const denied = await waitFor(
      'the refusal in the site audit',
      async () => (await audited('modbus.deny'))[0],
      30_000,
      200,
    );
    assert.equal(denied.details['rule'], 'address');
    assert.equal((await audited('gateway.start')).length, 1, 'the OT gateway never restarted');

    // The record: audrey, the auditor, downloads the pack of today's window (the job's grant is in
    // it) as the portal's button does, and runs the printed verify-export line with the printed key.
    const audrey = user('audrey');
    const audreyToken = await login(audrey, { code: generateSync({ secret: audrey.totpSecret }) });
    const windowId = /--window (win_\w+) /.exec(printed('pack'))?.[1];
    assert.ok(windowId !== undefined, `the banner names the window:\n${loop}`);
    const windows = await call(audreyToken, 'GET', '/sites/plant-1/windows');
    assert.equal(windows.status, 200, windows.body);
    assert.ok(
      windows.json<{ id: string }[]>().some((w) => w.id === windowId),
      windows.body,
    );
    const pack = await call(audreyToken, 'POST', `/windows/${windowId}/evidence-pack`, {});
    assert.equal(pack.status, 200, pack.body.slice(0, 500));
    const saved = join(dir, 'audrey');
    mkdirSync(saved);
    writeFileSync(join(saved, EVIDENCE_PACK_FILE), pack.bytes);
    const key = await run(printed('audit key'));
    assert.equal(key.code, 0, key.out);
    const verifyLine = printed('verify');
    assert.ok(verifyLine.endsWith(`--public-key=${key.out.trim()}`), verifyLine);
    const verified = await run(verifyLine, undefined, saved);
    assert.equal(verified.code, 0, verified.out);
    assert.match(
      verified.out,
      new RegExp(
        `evidence pack: window ${windowId}, \\d+ listed events proven in the signed chain`,
      ),
    );
    const files = await readBundleFiles(join(saved, EVIDENCE_PACK_FILE));
    const summary =
      files.find((f) => f.name === 'evidence/summary.md')?.data.toString('utf8') ?? '';
    assert.match(summary, /## Refusals\n\n- \[OT \d+\] .* modbus\.deny: /, summary);
    assert.match(summary, new RegExp(`policy\\.reload: SHA-256 ${hash}`), summary);
    // One changed byte of a member and the same line fails.
    const changed = await tamper(join(saved, EVIDENCE_PACK_FILE), saved, 'byte', (fs) => {
      const f = fs.find((x) => x.name === 'evidence/summary.md');
      if (f !== undefined)
        f.data = Buffer.from(f.data.toString('utf8').replace('modbus.deny', 'modbus.denY'));
    });
    const failed = await run(verifyLine.replace(EVIDENCE_PACK_FILE, changed), undefined, saved);
    assert.equal(failed.code, 1, failed.out);
    assert.match(failed.out, /FAIL \[file\.hash\] evidence\/summary\.md/);
    // The banner's CLI line on the IT gateway writes the same window's pack, which verifies too.
    const onGateway = join(dir, 'on-gateway');
    mkdirSync(onGateway);
    const written = await run(printed('pack'), undefined, onGateway);
    assert.equal(written.code, 0, written.out);
    const cliVerified = await run(verifyLine, undefined, onGateway);
    assert.equal(cliVerified.code, 0, cliVerified.out);
  },
);
