/**
 * Issue 16: segmentation you can see. The zoned demo (corp, it-dmz, ot, plant; each gateway behind
 * its role's firewall; the OT gateway as a dedicated system user made for this test) and then:
 * - the reachability matrix: from corp only the IT gateway's two ports answer; from it-dmz nothing
 *   in ot or plant; from ot the service user reaches the IT gateway's port and exactly the policy's
 *   assets (a scan of the whole plant subnet), root in ot nothing; from plant nothing outside;
 * - across the zones with the real clients in corp: alice's ssh to hmi-1, ssh -N -L plus mbpoll to
 *   plc-1 (a write outside policy refused and the PLC itself unchanged), an OPC UA read; from the
 *   host, the demo's printed Modbus commands (the portal's hint ports) write through Airlock;
 * - a policy change adding a device opens exactly its address and port, removing it closes it, and
 *   a policy address no rule can name is refused with the rules left as they were.
 * Needs root (namespaces, nftables, a system user); skipped otherwise.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSync } from 'otplib';
import { distRoot, OT_MAIN } from '../../../shared/src/testing/processes.js';
import {
  PLANT_HOSTS,
  ZONE_ADDRESSES,
  ZONE_FAMILY,
  type Zone,
} from '../../../image/demo/zones/zones.js';
import { removeStaleNamespaces } from '../../../image/demo/zones/netns.js';
import { run } from '../../../image/demo/zones/run.js';
import { startDemo } from '../../helpers/demo-launcher.js';
import { demoApi } from '../../helpers/demo-api.js';
import { waitFor } from '../../helpers/wait-for.js';
import { operatorSshEnv } from '../../helpers/operator-ssh.js';
import { mbpollValues } from '../../peers/mbpoll.js';

const PROBE = join(distRoot, 'test', 'integration', 'zones', 'probe.js');
const OPCUA_READ = join(distRoot, 'test', 'integration', 'zones', 'opcua-read.js');
const PLANT_MAIN = join(distRoot, 'image', 'demo', 'plant', 'plant.js');
const USER_FAMILY = 'alzu';
const isRoot = process.getuid?.() === 0;

type Outcome = 'open' | 'refused' | 'blocked' | 'silent' | 'unreachable';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A system user for the OT gateway, named for this run; those of dead runs are removed first. */
async function makeServiceUser(): Promise<string> {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const pid = new RegExp(`^${USER_FAMILY}(\\d+):`).exec(line)?.[1];
    if (pid !== undefined && !isAlive(Number(pid))) await run('userdel', [`${USER_FAMILY}${pid}`]);
  }
  const name = `${USER_FAMILY}${process.pid}`;
  const made = await run('useradd', [
    ...['--system', '--no-create-home', '--user-group'],
    ...['--shell', '/usr/sbin/nologin', name],
  ]);
  assert.equal(made.code, 0, made.stderr);
  return name;
}

test(
  'zones: the plant is reachable only through Airlock, and the OT firewall follows the policy',
  { timeout: 400_000, skip: isRoot ? false : 'needs root (network namespaces, nftables, useradd)' },
  async (t) => {
    const otUser = await makeServiceUser();
    const demo = await startDemo(t, 11_000, 240_000, ['--zones', '--ot-user', otUser]);
    // After startDemo's own clean-up (SIGKILL to the launcher's group, which cannot then remove its
    // zones): the zones of the dead launcher, then the user none of its processes holds any more.
    t.after(async () => {
      await waitFor('the demo to be gone', () => !isAlive(demo.child.pid ?? 0), 20_000, 100);
      await removeStaleNamespaces(ZONE_FAMILY);
      await run('userdel', [otUser]);
    });
    const prefix = /Zones\s+(\S+)-corp,/.exec(demo.output())?.[1];
    assert.ok(prefix !== undefined, demo.output());
    const ns = (zone: Zone): string => `${prefix}-${zone}`;
    const itHttps = 8443 + demo.offset;
    const itSsh = 2222 + demo.offset;
    const asOtUser = ['setpriv', '--reuid', otUser, '--regid', otUser, '--clear-groups', '--'];

    const probe = async (
      zone: Zone,
      targets: readonly string[],
      as: readonly string[] = [],
    ): Promise<Record<string, Outcome>> => {
      const r = await run('ip', [
        ...['netns', 'exec', ns(zone), ...as, process.execPath, PROBE, '1500'],
        ...targets,
      ]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as Record<string, Outcome>;
    };
    /** The targets that got an answer (connected or refused): the network let them through. */
    const answered = (r: Record<string, Outcome>): string[] =>
      Object.entries(r)
        .filter(([, o]) => o === 'open' || o === 'refused')
        .map(([k]) => k)
        .sort();
    const policyEntries = [
      `${PLANT_HOSTS.hmi}:22`,
      `${PLANT_HOSTS.opc}:4840`,
      `${PLANT_HOSTS.plc}:502`,
    ];
    const samplePorts = [
      21,
      22,
      23,
      80,
      102,
      443,
      502,
      2222,
      4840,
      8022,
      8080,
      20000,
      itHttps,
      itSsh,
    ];
    const plantTargets = Object.values(PLANT_HOSTS).flatMap((h) =>
      samplePorts.map((p) => `${h}:${p}`),
    );
    const otTargets = [ZONE_ADDRESSES.ot, ZONE_ADDRESSES.otInPlant].flatMap((h) =>
      samplePorts.map((p) => `${h}:${p}`),
    );
    const itTargets = [ZONE_ADDRESSES.itFromCorp, ZONE_ADDRESSES.itFromOt].flatMap((h) =>
      samplePorts.map((p) => `${h}:${p}`),
    );
    const scanPlantSubnet = async (as: readonly string[]): Promise<string[]> => {
      const listening = (await run('ip', ['netns', 'exec', ns('plant'), 'ss', '-ltnH'])).stdout
        .split('\n')
        .map(
          (l) =>
            /:(\d+)\s/.exec(l.split(/\s+/)[3] ?? '')?.[1] ??
            /:(\d+)$/.exec(l.split(/\s+/)[3] ?? '')?.[1],
        )
        .filter((p): p is string => p !== undefined)
        .map(Number);
      const ports = [...new Set([...samplePorts, ...listening])];
      // Every plant address but the OT gateway's own leg (its own address is local to it).
      const hosts = Array.from({ length: 253 }, (_, i) => `10.77.2.${i + 2}`);
      return answered(
        await probe(
          'ot',
          hosts.flatMap((h) => ports.map((p) => `${h}:${p}`)),
          as,
        ),
      );
    };

    await t.test('the reachability matrix', async () => {
      const fromCorp = await probe('corp', [...itTargets, ...otTargets, ...plantTargets]);
      assert.deepEqual(
        answered(fromCorp),
        // Both of the IT gateway's addresses are its own: corp reaches its two ports on either.
        [ZONE_ADDRESSES.itFromCorp, ZONE_ADDRESSES.itFromOt]
          .flatMap((a) => [`${a}:${itHttps}`, `${a}:${itSsh}`])
          .sort(),
        'from corp only the IT gateway portal and SSH ports answer',
      );
      assert.deepEqual(
        answered(await probe('it-dmz', [...otTargets, ...plantTargets])),
        [],
        'it-dmz reaches nothing in ot or plant',
      );
      assert.deepEqual(
        await scanPlantSubnet(asOtUser),
        policyEntries.sort(),
        "the OT service user's scan of the plant subnet finds exactly the policy's assets",
      );
      const otToIt = await probe(
        'ot',
        [
          `${ZONE_ADDRESSES.itFromOt}:${itHttps}`,
          `${ZONE_ADDRESSES.itFromOt}:${itSsh}`,
          `${ZONE_ADDRESSES.itFromCorp}:${itHttps}`,
        ],
        asOtUser,
      );
      assert.deepEqual(
        answered(otToIt),
        [`${ZONE_ADDRESSES.itFromOt}:${itHttps}`],
        'the OT user reaches its IT gateway port only',
      );
      assert.deepEqual(
        answered(await probe('ot', policyEntries)),
        [],
        'root in ot reaches nothing: only the service user is let out',
      );
      assert.deepEqual(
        answered(await probe('plant', [...otTargets, ...itTargets, `${ZONE_ADDRESSES.corp}:22`])),
        [],
        'the plant reaches nothing outside it',
      );
    });

    await t.test('across the zones with the real clients in corp', async () => {
      const base = `https://127.0.0.1:${itHttps}/api/v1`;
      const { call, user, login, requestAndApprove } = demoApi(base, demo);
      const alice = user('alice');
      const olga = user('olga');
      const aliceToken = await login(alice, { recoveryCode: alice.recoveryCodes[0] ?? '' });
      const olgaToken = await login(olga, { code: generateSync({ secret: olga.totpSecret }) });
      const now = Date.now();
      await requestAndApprove({
        now,
        requesterToken: aliceToken,
        approverToken: olgaToken,
        assets: ['hmi-1', 'plc-1', 'opc-1'].map((asset) => ({ asset, profile: 'maintenance' })),
        reason: 'zones: line 1 maintenance',
        comment: 'zones test',
      });

      // alice's OpenSSH client, in corp, to the IT gateway as corp sees it.
      const dir = demo.dir;
      const hostKey = execFileSync('/usr/bin/ssh-keygen', [
        '-y',
        '-f',
        join(dir, 'it', 'data', 'keys', 'ssh-host-ed25519.key'),
      ])
        .toString()
        .trim();
      writeFileSync(
        join(dir, 'known_hosts'),
        `[${ZONE_ADDRESSES.itFromCorp}]:${itSsh} ${hostKey}\n[127.0.0.1]:${itSsh} ${hostKey}\n`,
      );
      writeFileSync(join(dir, 'answer-password'), `${alice.password}\n`, { mode: 0o600 });
      const firstCodeAt = Date.now();
      writeFileSync(join(dir, 'answer-code'), `${generateSync({ secret: alice.totpSecret })}\n`, {
        mode: 0o600,
      });
      const askpass = join(dir, 'askpass.sh');
      writeFileSync(
        askpass,
        `#!/bin/sh\ncase "$1" in\n  *erification*) cat '${dir}/answer-code' ;;\n  *assword*) cat '${dir}/answer-password' ;;\n  *) exit 1 ;;\nesac\n`,
      );
      chmodSync(askpass, 0o700);
      // sbin too: the client runs under `ip netns exec`.
      const env = operatorSshEnv({ dir, askpass }, { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' });
      const sshOpts = [
        ...[
          '-F',
          '/dev/null',
          '-o',
          `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
          '-o',
          'StrictHostKeyChecking=yes',
        ],
        ...[
          '-o',
          'PreferredAuthentications=keyboard-interactive,password',
          '-o',
          'NumberOfPasswordPrompts=1',
        ],
        ...['-o', 'ConnectTimeout=20', '-o', 'LogLevel=ERROR', '-p', String(itSsh)],
      ];
      const inCorp = (cmd: string, args: readonly string[]): ChildProcess => {
        const c = spawn('ip', ['netns', 'exec', ns('corp'), cmd, ...args], {
          env,
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        t.after(() => void c.kill('SIGKILL'));
        return c;
      };
      const finish = (c: ChildProcess, input?: string) =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          let out = '';
          c.stdout?.on('data', (d: Buffer) => (out += d.toString()));
          c.stderr?.on('data', (d: Buffer) => (out += d.toString()));
          c.stdin?.on('error', () => undefined);
          c.stdin?.end(input);
          const timer = setTimeout(() => c.kill('SIGKILL'), 60_000);
          c.on('close', (code) => {
            clearTimeout(timer);
            resolve({ code, out });
          });
        });
      const ctl = join(dir, 'ctl');
      const master = inCorp('/usr/bin/ssh', [
        ...sshOpts,
        '-M',
        '-S',
        ctl,
        '-N',
        '-L',
        '15020:plc-1:502',
        '-L',
        '14840:opc-1:4840',
        `alice:hmi-1@${ZONE_ADDRESSES.itFromCorp}`,
      ]);
      let masterErr = '';
      master.stderr?.on('data', (d: Buffer) => (masterErr += d.toString()));
      await waitFor(
        'alice logged in from corp',
        () => {
          if (master.exitCode !== null) throw new Error(`ssh failed: ${masterErr}`);
          return existsSync(ctl);
        },
        60_000,
        100,
      );
      const mux = ['-S', ctl, '-o', 'ControlMaster=no'];
      const exec = await finish(
        inCorp('/usr/bin/ssh', [
          ...sshOpts,
          ...mux,
          `alice:hmi-1@${ZONE_ADDRESSES.itFromCorp}`,
          'echo hello from hmi-1',
        ]),
      );
      assert.equal(exec.code, 0, exec.out);
      assert.match(exec.out, /hello from hmi-1/);

      const mbpollIn = (
        zone: Zone,
        host: string,
        port: number,
        args: readonly string[],
        values: readonly string[] = [],
      ) =>
        run('ip', [
          'netns',
          'exec',
          ns(zone),
          'mbpoll',
          '-m',
          'tcp',
          '-1',
          '-o',
          '10',
          '-p',
          String(port),
          ...args,
          host,
          ...values,
        ]);
      const plcDirect = async (): Promise<Record<number, string>> => {
        // The PLC itself, read from inside the plant zone: what really is in its registers.
        const r = await mbpollIn('plant', PLANT_HOSTS.plc, 502, [
          '-a',
          '1',
          '-t',
          '4',
          '-r',
          '1',
          '-c',
          '3',
        ]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        return mbpollValues(r.stdout);
      };
      await waitFor(
        'the -L port in corp',
        async () => {
          const r = await probe('corp', ['127.0.0.1:15020']);
          return r['127.0.0.1:15020'] === 'open';
        },
        30_000,
        200,
      );
      const read = await mbpollIn('corp', '127.0.0.1', 15020, [
        '-a',
        '1',
        '-t',
        '4',
        '-r',
        '1',
        '-c',
        '3',
      ]);
      assert.equal(read.code, 0, read.stdout + read.stderr);
      const write = await mbpollIn(
        'corp',
        '127.0.0.1',
        15020,
        ['-a', '1', '-t', '4', '-r', '1'],
        ['1234'],
      );
      assert.equal(write.code, 0, write.stdout + write.stderr);
      const before = await plcDirect();
      assert.equal(before[1], '1234', 'the allowed write reached the PLC');
      const refused = await mbpollIn(
        'corp',
        '127.0.0.1',
        15020,
        ['-a', '1', '-t', '4', '-r', '3'],
        ['7'],
      );
      assert.notEqual(refused.code, 0);
      assert.match(refused.stdout + refused.stderr, /Illegal data address/i);
      assert.deepEqual(await plcDirect(), before, 'the refused write left the PLC unchanged');

      await waitFor(
        'the -L port to opc-1 in corp',
        async () => (await probe('corp', ['127.0.0.1:14840']))['127.0.0.1:14840'] === 'open',
        30_000,
        200,
      );
      const opc = await run('ip', [
        'netns',
        'exec',
        ns('corp'),
        process.execPath,
        OPCUA_READ,
        'opc.tcp://127.0.0.1:14840',
        'alice',
        join(dir, 'operator-pki'),
      ]);
      assert.equal(opc.code, 0, opc.stderr);
      const reading = JSON.parse(
        // node-opcua prints its warnings to stdout too: the answer is the last line.
        opc.stdout
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('{"status"'))
          .pop() ?? opc.stdout,
      ) as { status: string; value: unknown };
      assert.equal(reading.status, 'Good');
      assert.equal(typeof reading.value, 'number');
      master.kill('SIGTERM');

      // The newcomer on the host: the demo's printed Modbus commands (the portal's hint ports, or
      // free ones), through the relay into corp; the write lands on the PLC through Airlock.
      const out = demo.output();
      const fwd = /ssh -p (\d+) -N -L (\d+):plc-1:502 alice@127\.0\.0\.1/.exec(out);
      assert.ok(fwd !== null, out);
      const local = Number(fwd[2]);
      // A TOTP code is good once: the host's login waits for the next period's.
      await waitFor(
        'the next TOTP period',
        () => Math.floor(Date.now() / 30_000) > Math.floor(firstCodeAt / 30_000),
        40_000,
        500,
      );
      writeFileSync(
        join(dir, 'answer-code'),
        `${generateSync({ secret: alice.totpSecret })}
`,
      );
      const hostFwd = spawn(
        '/usr/bin/ssh',
        [...sshOpts, '-N', '-L', `${local}:plc-1:502`, 'alice@127.0.0.1'],
        { env, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      t.after(() => void hostFwd.kill('SIGKILL'));
      let fwdErr = '';
      hostFwd.stderr.on('data', (d: Buffer) => (fwdErr += d.toString()));
      const printedWrite = new RegExp(
        `mbpoll -m tcp -p ${local} -a 1 -t 4 -r 1 -1 127\\.0\\.0\\.1 1500`,
      );
      assert.match(out, printedWrite);
      await waitFor(
        'the host-side forward',
        async () => {
          if (hostFwd.exitCode !== null) throw new Error(`host ssh -L failed: ${fwdErr}`);
          const r = await run('mbpoll', [
            '-m',
            'tcp',
            '-p',
            String(local),
            '-a',
            '1',
            '-t',
            '4',
            '-r',
            '1',
            '-1',
            '-o',
            '2',
            '127.0.0.1',
            '1500',
          ]);
          return r.code === 0;
        },
        90_000,
        1_000,
      );
      assert.equal((await plcDirect())[1], '1500', "the printed command's write reached the PLC");
      hostFwd.kill('SIGTERM');
      await waitFor(
        'both writes in the OT audit',
        async () => {
          const r = await call(
            olgaToken,
            'GET',
            `/sites/plant-1/audit?action=modbus.write&from=${encodeURIComponent(new Date(now - 60_000).toISOString())}`,
          );
          return (
            r.json<{ events: { log: string }[] }>().events.filter((e) => e.log === 'ot').length >= 2
          );
        },
        30_000,
        300,
      );
      const fw = await call(
        olgaToken,
        'GET',
        `/sites/plant-1/audit?action=firewall.load&from=${encodeURIComponent(new Date(now - 3_600_000).toISOString())}`,
      );
      const loads = fw.json<{ events: { outcome: string; details: Record<string, unknown> }[] }>()
        .events;
      assert.ok(
        loads.some((e) => e.outcome === 'success' && typeof e.details['sha256'] === 'string'),
        fw.body,
      );
    });

    await t.test(
      'a policy change opens exactly the added device, and removing it closes it',
      async () => {
        const otConfig = join(demo.dir, 'ot', 'config.json');
        const policyFile = join(demo.dir, 'ot', 'policy.json');
        const original = readFileSync(policyFile, 'utf8');
        const spare = spawn(
          'ip',
          [
            'netns',
            'exec',
            ns('plant'),
            process.execPath,
            PLANT_MAIN,
            'modbus',
            '--host',
            PLANT_HOSTS.spare,
            '--port',
            '502',
          ],
          { stdio: ['ignore', 'pipe', 'ignore'] },
        );
        t.after(() => void spare.kill('SIGKILL'));
        await new Promise<void>((resolve) => spare.stdout.once('data', () => resolve()));
        const apply = () =>
          run('ip', [
            'netns',
            'exec',
            ns('ot'),
            process.execPath,
            OT_MAIN,
            'firewall',
            'apply',
            '--config',
            otConfig,
          ]);
        assert.deepEqual(
          await scanPlantSubnet(asOtUser),
          policyEntries.sort(),
          'an unlisted device stays out of reach',
        );
        const policy = JSON.parse(original) as { assets: Record<string, unknown> };
        policy.assets['plc-2'] = {
          protocol: 'modbus',
          address: PLANT_HOSTS.spare,
          port: 502,
          profiles: { 'read-only': { unitIds: [1] } },
        };
        writeFileSync(policyFile, JSON.stringify(policy));
        const added = await apply();
        assert.equal(added.code, 0, added.stderr);
        assert.deepEqual(
          await scanPlantSubnet(asOtUser),
          [...policyEntries, `${PLANT_HOSTS.spare}:502`].sort(),
        );

        policy.assets['plc-3'] = {
          protocol: 'modbus',
          address: '127.0.0.1',
          port: 502,
          profiles: { 'read-only': { unitIds: [1] } },
        };
        writeFileSync(policyFile, JSON.stringify(policy));
        const bad = await apply();
        assert.equal(bad.code, 2, `stdout: ${bad.stdout}\nstderr: ${bad.stderr}`);
        assert.match(bad.stderr, /assets\.plc-3\.address: 127\.0\.0\.1 is a loopback address/);
        assert.deepEqual(
          await scanPlantSubnet(asOtUser),
          [...policyEntries, `${PLANT_HOSTS.spare}:502`].sort(),
          'a refused policy leaves the rules as they were',
        );

        writeFileSync(policyFile, original);
        const removed = await apply();
        assert.equal(removed.code, 0, removed.stderr);
        assert.deepEqual(await scanPlantSubnet(asOtUser), policyEntries.sort());
        const table = (
          await run('ip', ['netns', 'exec', ns('ot'), 'nft', 'list', 'table', 'inet', 'airlock_ot'])
        ).stdout;
        assert.match(
          table,
          /counter packets [1-9]\d* bytes \d+ comment "output dropped"/,
          'the drops are counted',
        );
      },
    );
  },
);
