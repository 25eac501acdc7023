/**
 * The "done when" paths of issues 5, 6 and 7, in the demo exactly as a person would walk them: one
 * launcher start (offset ports, temp state dir), then as the demo users from its credentials file:
 * alice requests hmi-1, plc-1 and opc-1 (maintenance) over the API, olga approves; alice logs in to
 * the SSH endpoint with the real OpenSSH client (password, then TOTP through SSH_ASKPASS), runs a
 * command on hmi-1 and works in a pty session that olga sees live (sessions API) and then replays
 * (recordings API); through `ssh -N -L` to plc-1, mbpoll reads, writes an allowed register and gets
 * the Modbus exception for a write outside policy; through `ssh -N -L` to opc-1, a node-opcua client
 * browses, reads, writes the setpoint within bounds and gets BadUserAccessDenied outside them; olga
 * finds all of it in the site's audit log (audit API).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AttributeIds, DataType } from 'node-opcua';
import { generateSync } from 'otplib';
import { startDemo, portOpen } from '../helpers/demo-launcher.js';
import { demoApi } from '../helpers/demo-api.js';
import { createTestClient, loginOperator } from '../helpers/opcua-broker-harness.js';
import { mbpollValues, runMbpoll } from '../peers/mbpoll.js';
import { demoSshClient } from '../helpers/demo-ssh-client.js';
import { waitFor } from '../helpers/wait-for.js';

interface AuditEventJson {
  readonly log: string;
  readonly action: string;
  readonly actor: string;
  readonly target?: string;
  readonly outcome: string;
  readonly details: Record<string, unknown>;
}

test(
  'the demo: alice works on hmi-1, plc-1 and opc-1 with an approved grant; olga watches, replays and audits',
  { timeout: 150_000 },
  async (t) => {
    // Offsets keep every demo port below 32768, out of the kernel's ephemeral range (32768-60999) that
    // other tests' connections draw their local ports from.
    const demo = await startDemo(t, 6_000);
    const { offset, dir } = demo;
    const base = `https://127.0.0.1:${8443 + offset}`;
    const sshPort = 2222 + offset;
    const { call, user, login, requestAndApprove } = demoApi(`${base}/api/v1`, demo);
    const alice = user('alice');
    const olga = user('olga');

    // alice's API login spends a recovery code, so her TOTP code is fresh for the SSH login below.
    const aliceToken = await login(alice, { recoveryCode: alice.recoveryCodes[0] ?? '' });
    const olgaToken = await login(olga, { code: generateSync({ secret: olga.totpSecret }) });
    const now = Date.now();
    const { requested, approved } = await requestAndApprove({
      now,
      requesterToken: aliceToken,
      approverToken: olgaToken,
      assets: ['hmi-1', 'plc-1', 'opc-1'].map((asset) => ({ asset, profile: 'maintenance' })),
      reason: 'demo: line 1 maintenance',
      comment: 'go ahead',
    });
    assert.equal(
      requested.json<{ itsm: { outcome: string }[] }>().itsm[0]?.outcome,
      'verified',
      "the ticket checked with the demo's ITSM stand-in",
    );
    assert.match(approved.json<{ grantId: string }>().grantId, /\S/, 'the approval made a grant');

    // The OpenSSH client: the endpoint's host key pinned from the appliance's own key file, answers
    // to the password and verification prompts from files (SSH_ASKPASS), one connection shared.
    const hostKey = execFileSync('/usr/bin/ssh-keygen', [
      '-y',
      '-f',
      join(dir, 'it', 'data', 'keys', 'ssh-host-ed25519.key'),
    ])
      .toString()
      .trim();
    const sshClient = demoSshClient(dir, `[127.0.0.1]:${sshPort} ${hostKey}`);
    sshClient.answer(alice.password, generateSync({ secret: alice.totpSecret }));
    const env = sshClient.env;
    const ctl = join(dir, 'ctl');
    const base0 = [...sshClient.options, '-o', 'LogLevel=ERROR', '-p', String(sshPort)];
    const ssh = (
      args: readonly string[],
      input?: string,
    ): Promise<{ code: number | null; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn('/usr/bin/ssh', [...base0, ...args], {
          env,
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.stdin.on('error', () => undefined);
        child.stdin.end(input);
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr });
        });
      });
    const mbPort = 15_502 + offset;
    const opcPort = 14_841 + offset;
    // The issues' commands: `ssh -p 2222 alice:hmi-1@...` and `ssh -N -L`, here on one master connection.
    // The master runs in the foreground as this test's child (not `-f`), so it is killed at the end
    // even when the test fails half-way.
    const master = spawn(
      '/usr/bin/ssh',
      [
        ...base0,
        '-M',
        '-S',
        ctl,
        '-N',
        '-L',
        `${mbPort}:plc-1:502`,
        '-L',
        `${opcPort}:opc-1:4840`,
        'alice:hmi-1@127.0.0.1',
      ],
      { env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    t.after(() => void master.kill('SIGKILL'));
    let masterErr = '';
    master.stderr.on('data', (d: Buffer) => (masterErr += d.toString()));
    await waitFor(
      "alice's SSH login (the master connection)",
      () => {
        if (master.exitCode !== null) throw new Error(`alice's SSH login failed: ${masterErr}`);
        return existsSync(ctl);
      },
      30_000,
    );
    const mux = ['-S', ctl, '-o', 'ControlMaster=no'];

    // Issue 5: a command, then a pty session olga sees live, then its recording.
    const exec = await ssh([...mux, 'alice:hmi-1@127.0.0.1', 'echo hello from hmi-1']);
    assert.equal(exec.code, 0, exec.stderr);
    assert.equal(exec.stdout, 'hello from hmi-1\n');
    // The exec's session may stay listed a moment after its client exits: wait it out, so the live
    // session found below is the shell's, not the exec's (whose recording holds no typed input).
    type Live = { id: string; user: string; asset: string; protocol: string; channel: string };
    const aliceShells = async (): Promise<Live[]> => {
      const live = await call(olgaToken, 'GET', '/sites/plant-1/sessions');
      assert.equal(live.status, 200, live.body);
      return live
        .json<Live[]>()
        .filter((s) => s.user === 'alice' && s.asset === 'hmi-1' && s.channel === 'ssh-session');
    };
    await waitFor(
      "the exec's session to end",
      async () => (await aliceShells()).length === 0,
      20_000,
      200,
    );
    const shell = spawn('/usr/bin/ssh', [...base0, ...mux, '-tt', 'alice:hmi-1@127.0.0.1'], {
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    t.after(() => shell.kill('SIGKILL'));
    let screen = '';
    shell.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    shell.stdin.on('error', () => undefined);
    shell.stdin.write('status\n');
    let liveId = '';
    await waitFor(
      'olga to see alice live on hmi-1',
      async () => {
        liveId = (await aliceShells())[0]?.id ?? '';
        return liveId !== '';
      },
      20_000,
      200,
    );
    await waitFor('the status output', () => /line/i.test(screen), 30_000, 200);
    const closed = new Promise<number | null>((resolve) =>
      shell.once('close', (code) => resolve(code)),
    );
    shell.stdin.end('exit\n');
    assert.equal(await closed, 0);
    let cast = '';
    await waitFor(
      'the recording to arrive, verified',
      async () => {
        const r = await call(olgaToken, 'GET', `/recordings/${liveId}`);
        if (r.status !== 200) return false;
        cast = r.json<{ asciicast: string }>().asciicast;
        return true;
      },
      30_000,
      200,
    );
    const [header, ...frames] = cast.trimEnd().split('\n');
    assert.equal(JSON.parse(header ?? '{}').version, 2, 'asciicast v2');
    const events = frames.map((l) => JSON.parse(l) as [number, string, string]);
    const typed = events
      .filter(([, kind]) => kind === 'i')
      .map(([, , text]) => text)
      .join('');
    assert.match(typed, /status\r?\n?exit/, 'what alice typed is recorded');
    assert.match(
      events
        .filter(([, kind]) => kind === 'o')
        .map(([, , text]) => text)
        .join(''),
      /line/i,
      'what she saw is recorded',
    );
    const listed = await call(olgaToken, 'GET', '/sites/plant-1/recordings');
    assert.ok(
      listed
        .json<{ sessionId: string; status: string }[]>()
        .some((r) => r.sessionId === liveId && r.status === 'verified'),
    );

    // Only OT owners (and auditors for recordings and audit) of the site see these.
    for (const path of [
      '/sites/plant-1/sessions',
      '/sites/plant-1/recordings',
      '/sites/plant-1/audit',
    ]) {
      assert.equal(
        (await call(aliceToken, 'GET', path)).status,
        403,
        `${path} is not for an engineer`,
      );
    }

    // Issue 6: mbpoll through the forward.
    await waitFor('the -L port to plc-1', async () => (await portOpen(mbPort)) || undefined);
    const read = await runMbpoll(mbPort, ['-a', '1', '-t', '4', '-r', '1', '-c', '3']);
    assert.equal(read.code, 0, read.output);
    assert.equal(Object.keys(mbpollValues(read.output)).length, 3, read.output);
    const write = await runMbpoll(mbPort, ['-a', '1', '-t', '4', '-r', '1'], ['1500']);
    assert.equal(write.code, 0, write.output);
    const readBack = await runMbpoll(mbPort, ['-a', '1', '-t', '4', '-r', '1']);
    assert.equal(mbpollValues(readBack.output)[1], '1500', 'the allowed write landed');
    const refused = await runMbpoll(mbPort, ['-a', '1', '-t', '4', '-r', '3'], ['7']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.output, /Illegal data address/i, 'HR 2 is not writable: exception 02');

    // Issue 7: a node-opcua client through the other forward.
    const client = createTestClient(join(dir, 'operator-pki'));
    t.after(() => client.disconnect());
    const { session, id } = await loginOperator(client, `opc.tcp://127.0.0.1:${opcPort}`);
    const line1 = await session.browse(id('Line1'));
    assert.ok(
      (line1.references ?? []).some((r) => r.browseName.name === 'Setpoint'),
      'browse shows the setpoint',
    );
    const temperature = await session.read({
      nodeId: id('Line1.Temperature'),
      attributeId: AttributeIds.Value,
    });
    assert.equal(typeof temperature.value.value, 'number');
    const setpoint = (value: number) =>
      session.write({
        nodeId: id('Line1.Setpoint'),
        attributeId: AttributeIds.Value,
        value: { value: { dataType: DataType.Double, value } },
      });
    assert.equal((await setpoint(42)).name, 'Good');
    assert.equal((await setpoint(95)).name, 'BadUserAccessDenied');
    assert.equal(
      (await session.read({ nodeId: id('Line1.Setpoint'), attributeId: AttributeIds.Value })).value
        .value,
      42,
      'the refused write changed nothing',
    );
    await session.close();
    await client.disconnect();

    // olga's view of the site's audit log (the OT events arrive over the link).
    const audited = async (action: string): Promise<AuditEventJson[]> => {
      const r = await call(
        olgaToken,
        'GET',
        `/sites/plant-1/audit?action=${encodeURIComponent(action)}&from=${encodeURIComponent(new Date(now - 60_000).toISOString())}`,
      );
      assert.equal(r.status, 200, r.body);
      return r.json<{ events: AuditEventJson[] }>().events;
    };
    await waitFor(
      'the OT events to reach olga',
      async () => (await audited('opcua.')).some((e) => e.action === 'opcua.deny'),
      20_000,
      200,
    );
    const modbus = await audited('modbus.');
    assert.ok(
      modbus.some((e) => e.log === 'ot' && e.action === 'modbus.write' && e.actor === 'alice'),
      'the Modbus write',
    );
    assert.ok(
      modbus.some(
        (e) => e.log === 'ot' && e.action === 'modbus.deny' && e.details['exception'] === '02',
      ),
      'the refused Modbus write',
    );
    const opcua = await audited('opcua.');
    assert.ok(
      opcua.some((e) => e.action === 'opcua.write' && e.details['newValue'] === 42),
      'the OPC UA write',
    );
    assert.ok(
      opcua.some((e) => e.action === 'opcua.deny' && e.details['newValue'] === 95),
      'the refused OPC UA write',
    );
    const checkouts = await audited('vault.checkout');
    assert.deepEqual(
      [...new Set(checkouts.map((e) => e.target))].sort(),
      ['hmi-1', 'opc-1'],
      'plant logins came from the vault',
    );
    const sessions = await audited('session.start');
    assert.ok(
      sessions.some((e) => e.target === 'hmi-1' && e.actor === 'alice'),
      'the SSH session',
    );

    // Issue 23: the grant ends (olga revokes it) and the work note reaches the ticket.
    const grantId = approved.json<{ grantId: string }>().grantId;
    const revoked = await call(olgaToken, 'POST', `/grants/${grantId}/revoke`, {
      reason: 'maintenance done',
    });
    assert.equal(revoked.status, 200, revoked.body);
    const note = await waitFor('the work note in the stand-in log', () => {
      const log = readFileSync(join(demo.dir, 'logs', 'itsm.log'), 'utf8');
      return log.split('\n').find((l) => l.startsWith('{"workNote"'));
    });
    const text = (JSON.parse(note) as { workNote: { ticket: string; text: string } }).workNote;
    assert.equal(text.ticket, 'CHG0001001');
    assert.match(text.text, /^Who: alice$/m);
    assert.match(text.text, /^What: hmi-1 \(ssh, profile maintenance\), /m);
    assert.match(text.text, /\(revoked by olga\)$/m);
    assert.match(text.text, /^Commands: [1-9]\d*; writes: [1-9]\d*; refusals: [1-9]\d*$/m);
  },
);
