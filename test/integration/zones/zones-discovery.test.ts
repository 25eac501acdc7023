/**
 * Issue 21 in the zones of issue 16: `airlock-ot discover` runs in the `ot` zone as the OT
 * gateway's service user, under the ruleset its local policy gives (the `discovery` probe rules),
 * and finds the plant in the `plant` zone: a real OpenSSH sshd on hmi, a pymodbus server on plc and
 * the simulated plant's OPC UA server on opc, each with what onboarding pins (host key, unit ids,
 * certificate hash) and every probe audited. The same plant ports cannot be reached from the IT
 * gateway's zone (`it-dmz`, under the shipped IT ruleset), nor by root in `ot` (the OT ruleset
 * lets only the service user out): the probe runs only from OT.
 * Needs root (namespaces, nftables, useradd); skipped otherwise.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { systemClock } from '../../../shared/src/clock.js';
import { randomIds } from '../../../shared/src/ids.js';
import type { Finding, PublishedProposal } from '../../../shared/src/model/discovery.js';
import { distRoot, OT_MAIN } from '../../../shared/src/testing/processes.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { openDiscovery } from '../../../gateway-ot/src/app.js';
import { otConfigSchema } from '../../../gateway-ot/src/config/ot-config.js';
import { run } from '../../../image/demo/zones/run.js';
import {
  itRuleset,
  PLANT_HOSTS,
  startZones,
  ZONE_ADDRESSES,
  type Zone,
} from '../../../image/demo/zones/zones.js';
import { startPymodbusServer } from '../../peers/pymodbus.js';
import { startSshd } from '../../peers/sshd.js';

const PROBE = join(distRoot, 'test', 'integration', 'zones', 'probe.js');
const PLANT_MAIN = join(distRoot, 'image', 'demo', 'plant', 'plant.js');
const USER_FAMILY = 'alzd';
const isRoot = process.getuid?.() === 0;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A system user for the OT gateway, named for this run (as zones.test.ts makes its own). */
async function makeServiceUser(t: Pick<TestContext, 'after'>): Promise<number> {
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
  t.after(() => run('userdel', [name]));
  return Number((await run('id', ['-u', name])).stdout.trim());
}

/** The simulated plant's OPC UA server in a zone; resolves with its JSON line (certificate hash). */
async function startPlantOpcua(
  t: Pick<TestContext, 'after'>,
  wrap: readonly string[],
  host: string,
  home: string,
): Promise<Record<string, unknown>> {
  const [command = 'ip', ...args] = [
    ...wrap,
    ...[process.execPath, PLANT_MAIN, 'opcua', '--host', host, '--port', '4840'],
  ];
  const child = spawn(command, args, {
    env: { ...process.env, HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`plant opcua not ready: ${err}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"opcua"'));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as Record<string, unknown>);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`plant opcua exited ${String(code)}: ${err}`));
    });
  });
}

test(
  'zones: discover from the OT zone finds sshd, pymodbus and the plant OPC UA server; the IT zone reaches none of them',
  { timeout: 240_000, skip: isRoot ? false : 'needs root (network namespaces, nftables, useradd)' },
  async (t) => {
    const uid = await makeServiceUser(t);
    const zones = await startZones();
    t.after(() => zones.teardown());
    const inZone = (zone: Zone): string[] => ['ip', 'netns', 'exec', zones.nameOf(zone)];
    await zones.loadRuleset('it-dmz', itRuleset({ PORTAL_PORT: 8443, SSH_PORT: 2222 }));

    const dir = makeTempDir(t, 'airlock-zones-discovery-');
    chmodSync(dir, 0o711);
    const sshd = await startSshd(t, {
      listen: { host: PLANT_HOSTS.hmi, port: 22 },
      wrap: inZone('plant'),
    });
    await startPymodbusServer(t, 1, [0, 0, 0], {
      host: PLANT_HOSTS.plc,
      port: 502,
      wrap: inZone('plant'),
    });
    mkdirSync(join(dir, 'plant'));
    const opcua = await startPlantOpcua(t, inZone('plant'), PLANT_HOSTS.opc, join(dir, 'plant'));

    // The OT gateway's files are its user's, as on the appliance (and in the zoned demo).
    const otDir = join(dir, 'ot');
    mkdirSync(join(otDir, 'data'), { recursive: true });
    const configFile = join(otDir, 'config.json');
    const rawConfig = {
      site: 'plant-1',
      dataDir: join(otDir, 'data'),
      policyFile: join(otDir, 'policy.json'),
      firewall: {
        mode: 'external',
        serviceUser: uid,
        itGateway: { address: ZONE_ADDRESSES.itFromOt, port: 8443 },
        plantSubnets: [ZONE_ADDRESSES.plantSubnet],
        rulesetFile: join(otDir, 'nftables-ot.nft'),
      },
    };
    writeFileSync(configFile, JSON.stringify(rawConfig, null, 2), { mode: 0o640 });
    const scopeSubnet = '10.77.2.0/28'; // .1-.14: hmi .10, plc .11, opc .12 and silent hosts
    writeFileSync(
      rawConfig.policyFile,
      JSON.stringify({
        assets: {},
        discovery: {
          subnets: [scopeSubnet],
          ports: { ssh: [22], modbus: [502], opcua: [4840] },
          rate: { probesPerSecond: 50, concurrency: 16, timeoutMs: 3000 },
        },
      }),
      { mode: 0o640 },
    );
    for (const p of [otDir, join(otDir, 'data'), configFile, rawConfig.policyFile])
      chownSync(p, uid, uid);

    const apply = await run('ip', [
      ...['netns', 'exec', zones.nameOf('ot'), process.execPath, OT_MAIN],
      ...['firewall', 'apply', '--config', configFile],
    ]);
    assert.equal(apply.code, 0, apply.stderr);
    const ruleset = await zones.listTable('ot', 'inet', 'airlock_ot');
    assert.match(ruleset, new RegExp(`${scopeSubnet.replace(/[./]/g, '\\$&')}.*discovery`));

    const started = Date.now();
    const discover = await run('ip', [
      ...['netns', 'exec', zones.nameOf('ot')],
      ...['setpriv', '--reuid', String(uid), '--regid', String(uid), '--clear-groups', '--'],
      ...['env', `HOME=${otDir}`, process.execPath, OT_MAIN],
      ...['discover', '--config', configFile, '--json'],
    ]);
    assert.equal(discover.code, 0, discover.stderr);
    // The whole of stdout is the JSON: node-opcua's "Creating default certificate" (the OPC UA
    // probe's first client certificate) goes to the log on stderr (protocols/opcua/node-opcua-output.ts).
    const json = discover.stdout.trim();
    const summary = JSON.parse(json) as {
      probed: number;
      counts: Record<string, number>;
      proposals: PublishedProposal[];
    };
    t.diagnostic(`discover: ${summary.probed} probes in ${Date.now() - started} ms`);
    assert.equal(summary.probed, 14 * 3);
    const at = (address: string, port: number): Finding | undefined => {
      const p = summary.proposals.filter((x) => x.address === address && x.port === port);
      assert.equal(p.length, 1, `one proposal at ${address}:${port}`);
      assert.equal(p[0]?.state, 'proposed');
      return p[0]?.finding;
    };
    const ssh = at(PLANT_HOSTS.hmi, 22);
    assert.equal(ssh?.protocol === 'ssh' ? ssh.hostKey : undefined, sshd.hostKey);
    assert.match(ssh?.protocol === 'ssh' ? ssh.banner : '', /^SSH-2\.0-OpenSSH/);
    const modbus = at(PLANT_HOSTS.plc, 502);
    assert.deepEqual(modbus?.protocol === 'modbus' ? modbus.unitIds : undefined, [1]);
    const opc = at(PLANT_HOSTS.opc, 4840);
    assert.equal(
      opc?.protocol === 'opcua' ? opc.certificateSha256 : undefined,
      opcua['certificateSha256'],
    );
    assert.equal(summary.proposals.length, 3, 'nothing else in the plant answered');
    assert.equal(summary.counts['found'], 3);

    // Every probe is in the site's audit chain: the plan, each answer, the counts.
    const d = await openDiscovery(otConfigSchema.parse(rawConfig), {
      clock: systemClock,
      ids: randomIds,
    });
    try {
      const actions = [...d.audit.iterate()]
        .map((e) => e.action)
        .filter((a) => a.startsWith('discovery.'));
      assert.deepEqual(actions, [
        'discovery.start',
        'discovery.find',
        'discovery.find',
        'discovery.find',
        'discovery.finish',
      ]);
      assert.equal(d.audit.verify().ok, true);
    } finally {
      d.close();
    }

    // The same plant ports with a plain TCP probe: open to the service user in the OT zone (so the
    // probe works), and nothing from the IT gateway's zone or from root in the OT zone.
    const targets = [`${PLANT_HOSTS.hmi}:22`, `${PLANT_HOSTS.plc}:502`, `${PLANT_HOSTS.opc}:4840`];
    const asUser = [
      'setpriv',
      '--reuid',
      String(uid),
      '--regid',
      String(uid),
      '--clear-groups',
      '--',
    ];
    const probe = async (zone: Zone, as: readonly string[] = []) => {
      const r = await run('ip', [
        ...inZone(zone).slice(1),
        ...as,
        ...[process.execPath, PROBE, '1500', ...targets],
      ]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as Record<string, string>;
    };
    assert.deepEqual(Object.values(await probe('ot', asUser)), ['open', 'open', 'open']);
    for (const [zone, outcomes] of [
      ['it-dmz', await probe('it-dmz')],
      ['ot as root', await probe('ot')],
    ] as const)
      for (const target of targets)
        assert.ok(
          outcomes[target] !== 'open' && outcomes[target] !== 'refused',
          `${zone} reached ${target}: ${outcomes[target] ?? '?'}`,
        );
  },
);
