#!/usr/bin/env node
/**
 * `airlock-ot`: the OT gateway's command line. The only place that reads process.env and argv.
 */
import { runCli, UsageError, type CliCommand } from '../../shared/src/cli/run-cli.js';
import { parseCommand } from '../../shared/src/cli/parse-args.js';
import { waitForStopSignal } from '../../shared/src/cli/wait-for-signal.js';
import { systemClock } from '../../shared/src/clock.js';
import { randomIds } from '../../shared/src/ids.js';
import { createLogger } from '../../shared/src/log.js';
import { formatProblems } from '../../shared/src/result.js';
import { AIRLOCK_VERSION } from '../../shared/src/version.js';
import { listOtEnvOverrides, loadOtConfig, type OtConfig } from './config/config.js';
import { createPolicyLoader } from './policy/policy.js';
import {
  createOtGateway,
  openOfflineOwners,
  openDiscovery,
  openOfflineVault,
  OT_PROTOCOLS,
  type OtGateway,
} from './app.js';
import { describeLockdown } from './grants/grants.js';
import { formatFingerprint } from '../../shared/src/crypto/hash.js';
import { toBase64Url } from '../../shared/src/crypto/encoding.js';
import { userInfo } from 'node:os';
import {
  createDiscoverCommands,
  createFirewallCommands,
  createOwnerCommands,
  createPolicyCommands,
  createVaultCommands,
  reloadNote,
} from './cli/cli.js';
import { applianceCommands } from './appliance/appliance.js';
import { OT_MIGRATIONS } from './store/store.js';

async function readStdin(): Promise<Buffer> {
  if (process.stdin.isTTY) process.stderr.write('secret (end with Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const all = Buffer.concat(chunks);
  for (const c of chunks) c.fill(0);
  return all;
}

const PROGRAM = 'airlock-ot';

function configFrom(file: string | undefined): OtConfig {
  if (file === undefined) throw new UsageError('--config <file> is required');
  const r = loadOtConfig({ file, env: process.env });
  if (!r.ok)
    throw new UsageError(
      `invalid configuration:\n${r.error.map((p) => `  - ${formatProblems([p])}`).join('\n')}`,
    );
  return r.value;
}

function cliActor(): string {
  return `cli:${userInfo().username}`;
}

/** Opens the gateway's state (database, identity, policy) without starting it, for admin commands. */
async function withGateway<T>(config: OtConfig, fn: (gw: OtGateway) => T | Promise<T>): Promise<T> {
  const log = createLogger({ name: 'airlock-ot', level: config.log.level }).child({
    site: config.site,
  });
  const gw = await createOtGateway(config, { clock: systemClock, ids: randomIds, log });
  try {
    return await fn(gw);
  } finally {
    await gw.stop();
  }
}

/** Looks in the gateway's audit chain for the running gateway's reload of a file a command wrote. */
function noteReload(config: OtConfig, policySha256: string, since: number): Promise<string> {
  return withGateway(config, (gw) =>
    reloadNote(
      {
        events: (fromTime) => gw.services.audit.iterate({ fromTime }),
        now: () => systemClock.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      },
      policySha256,
      since,
    ),
  );
}

const commands: Record<string, CliCommand> = {
  run: {
    summary: 'start the OT gateway for its site',
    usage: `usage: ${PROGRAM} run --config <file>

Starts the gateway and runs until SIGINT or SIGTERM. SIGHUP (systemctl reload) and any change of
the policy file reload the local policy without a restart; a file that does not check is refused
and the running policy stays (policy.reload, docs/policy.md).

Environment variables override config keys (a value is parsed as the key's type; a list as JSON).
Every key, its default and example files: docs/config.md.
${listOtEnvOverrides()
  .map((l) => `  ${l}`)
  .join('\n')}`,
    async run(argv) {
      const a = parseCommand(argv, { config: { type: 'string' } });
      if (!a.ok) throw new UsageError(a.error);
      const config = configFrom(a.value.values.config);
      const log = createLogger({ name: 'airlock-ot', level: config.log.level }).child({
        site: config.site,
      });
      const gw = await createOtGateway(config, { clock: systemClock, ids: randomIds, log });
      await gw.start();
      const stopSignal = waitForStopSignal();
      // systemd's `reload` (ExecReload) sends SIGHUP: read the policy file again, no restart.
      const reload = (): void => void gw.services.livePolicy.reload('signal');
      process.on('SIGHUP', reload);
      process.stdout.write(
        `${JSON.stringify({ event: 'ready', site: config.site, assets: Object.keys(gw.services.policy.assets).sort() })}\n`,
      );
      await stopSignal;
      process.off('SIGHUP', reload);
      await gw.stop();
      return 0;
    },
  },
  enroll: {
    summary: 'enroll this gateway with its IT gateway (one-time token from an admin)',
    usage: `usage: ${PROGRAM} enroll --config <file> --it-url <https://host:port> --token <aet_...> --fingerprint <SHA-256> [--json]

Registers this gateway's identity key (created on first use) with the IT gateway, over TLS pinned
to the given certificate fingerprint, and records the IT gateway's session-ticket key and the pin.
The token comes from \`airlock-it site-enroll-token\` or the admin API; it is valid 15 minutes, once.
A running gateway picks the enrollment up by itself.`,
    async run(argv) {
      const a = parseCommand(argv, {
        config: { type: 'string' },
        'it-url': { type: 'string' },
        token: { type: 'string' },
        fingerprint: { type: 'string' },
        json: { type: 'boolean' },
      });
      if (!a.ok) throw new UsageError(a.error);
      const v = a.value.values;
      if (v['it-url'] === undefined || v.token === undefined || v.fingerprint === undefined)
        throw new UsageError('--it-url, --token and --fingerprint are required');
      const config = configFrom(v.config);
      const input = { itUrl: v['it-url'], token: v.token, fingerprint: v.fingerprint };
      const { record, publicKey } = await withGateway(config, async (gw) => ({
        record: await gw.services.link.enroll(input),
        publicKey: toBase64Url(gw.services.identity.publicKey),
      }));
      const out = {
        enrolled: record.site,
        gatewayId: record.gatewayId,
        itUrl: record.itUrl,
        itFingerprint: formatFingerprint(record.itFingerprint),
        publicKey,
      };
      process.stdout.write(
        v.json === true
          ? `${JSON.stringify(out)}\n`
          : `enrolled site ${out.enrolled} with ${out.itUrl} as gateway ${out.gatewayId}\n  identity key ${publicKey}\n`,
      );
      return 0;
    },
  },
  lockdown: {
    summary: 'lock the site down locally, or lift the local lockdown (only possible here)',
    usage: `usage: ${PROGRAM} lockdown --config <file> (--on | --off) --reason <text>

--on refuses every new session and ends live ones (a running gateway within a second); nothing on
the IT side can lift it. --off lifts the local lockdown (an IT-side lockdown stays until the IT side
lifts it). Both are recorded in the site's audit log.`,
    async run(argv) {
      const a = parseCommand(argv, {
        config: { type: 'string' },
        on: { type: 'boolean' },
        off: { type: 'boolean' },
        reason: { type: 'string' },
      });
      if (!a.ok) throw new UsageError(a.error);
      const v = a.value.values;
      if ((v.on === true) === (v.off === true))
        throw new UsageError('give exactly one of --on and --off');
      if (v.reason === undefined || v.reason.trim() === '')
        throw new UsageError('--reason is required');
      const config = configFrom(v.config);
      const on = v.on === true;
      const { changed, status } = await withGateway(config, (gw) => ({
        changed: gw.services.lockdown.set('local', on, v.reason ?? '', cliActor()),
        status: gw.services.lockdown.status(),
      }));
      process.stdout.write(
        `${JSON.stringify({ site: config.site, local: on ? 'on' : 'off', changed, locked: status.locked, status: describeLockdown(status) })}\n`,
      );
      return 0;
    },
  },
  'check-config': {
    summary: 'validate the config file and the local policy without starting',
    usage: `usage: ${PROGRAM} check-config --config <file>

Checks the configuration (with environment overrides) and the local policy it names, and prints
the asset catalogue the gateway would publish (no secrets).`,
    async run(argv) {
      const a = parseCommand(argv, { config: { type: 'string' } });
      if (!a.ok) throw new UsageError(a.error);
      const config = configFrom(a.value.values.config);
      const policies = createPolicyLoader({ protocols: OT_PROTOCOLS });
      const p = policies.load(config.policyFile);
      if (!p.ok)
        throw new UsageError(
          `invalid local policy ${config.policyFile}:\n${p.error.map((x) => `  - ${formatProblems([x])}`).join('\n')}`,
        );
      process.stdout.write(
        `configuration and policy are valid\n${JSON.stringify({ site: config.site, catalogue: policies.catalogue(p.value) }, null, 2)}\n`,
      );
      return 0;
    },
  },
  ...createFirewallCommands({
    program: PROGRAM,
    configFrom,
    policies: createPolicyLoader({ protocols: OT_PROTOCOLS }),
  }),
  ...createPolicyCommands({
    program: PROGRAM,
    configFrom,
    withLearning: (config, fn) => withGateway(config, (gw) => fn(gw.services.learning)),
    actor: cliActor(),
    now: () => systemClock.now(),
    reloadNote: noteReload,
  }),
  ...createDiscoverCommands({
    program: PROGRAM,
    configFrom,
    openDiscovery: (config) => openDiscovery(config, { clock: systemClock, ids: randomIds }),
    actor: cliActor(),
    reloadNote: noteReload,
  }),
  ...createVaultCommands({
    program: PROGRAM,
    configFrom,
    openVault: (config) => openOfflineVault(config, { clock: systemClock, ids: randomIds }),
    readStdin,
    operator: `local:${userInfo().username}`,
  }),
  ...createOwnerCommands({
    program: PROGRAM,
    configFrom,
    openOwners: (config) => openOfflineOwners(config, { clock: systemClock, ids: randomIds }),
    operator: `local:${userInfo().username}`,
  }),
  ...applianceCommands({
    program: PROGRAM,
    version: AIRLOCK_VERSION,
    configFrom,
    loadFile: (file) => loadOtConfig({ file, env: {} }),
    readStdin,
    actor: cliActor(),
    migrations: OT_MIGRATIONS,
  }),
};

const code = await runCli(
  PROGRAM,
  `Airlock OT gateway ${AIRLOCK_VERSION}: the only path into the plant; verifies every session itself.`,
  commands,
  process.argv.slice(2),
  AIRLOCK_VERSION,
);
process.exitCode = code;
