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
import { listEnvOverrides } from '../../shared/src/config/load-config.js';
import { AIRLOCK_VERSION } from '../../shared/src/version.js';
import { OT_ENV_PREFIX, otConfigSchema, loadOtConfig, type OtConfig } from './config/ot-config.js';
import { loadLocalPolicy } from './policy/local-policy.js';
import { buildCatalogue } from './policy/asset-catalogue.js';
import { createOtGateway } from './app.js';
import { vaultCommands } from './cli/vault-commands.js';
import { userInfo } from 'node:os';

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
  if (!r.ok) throw new UsageError(`invalid configuration:\n${r.error.map((p) => `  - ${formatProblems([p])}`).join('\n')}`);
  return r.value;
}

const commands: Record<string, CliCommand> = {
  run: {
    summary: 'start the OT gateway for its site',
    usage: `usage: ${PROGRAM} run --config <file>

Starts the gateway and runs until SIGINT or SIGTERM. Environment variables override config keys:
${listEnvOverrides(otConfigSchema, OT_ENV_PREFIX).map((l) => `  ${l}`).join('\n')}`,
    async run(argv) {
      const a = parseCommand(argv, { config: { type: 'string' } });
      if (!a.ok) throw new UsageError(a.error);
      const config = configFrom(a.value.values.config);
      const log = createLogger({ name: 'airlock-ot', level: config.log.level }).child({ site: config.site });
      const gw = await createOtGateway(config, { clock: systemClock, ids: randomIds, log });
      await gw.start();
      const stopSignal = waitForStopSignal();
      process.stdout.write(`${JSON.stringify({ event: 'ready', site: config.site, assets: Object.keys(gw.services.policy.assets).sort() })}\n`);
      await stopSignal;
      await gw.stop();
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
      const p = loadLocalPolicy(config.policyFile);
      if (!p.ok) throw new UsageError(`invalid local policy ${config.policyFile}:\n${p.error.map((x) => `  - ${formatProblems([x])}`).join('\n')}`);
      process.stdout.write(`configuration and policy are valid\n${JSON.stringify({ site: config.site, catalogue: buildCatalogue(p.value) }, null, 2)}\n`);
      return 0;
    },
  },
  ...vaultCommands({ program: PROGRAM, configFrom, readStdin, operator: `local:${userInfo().username}`, clock: systemClock, ids: randomIds }),
};

const code = await runCli(PROGRAM, `Airlock OT gateway ${AIRLOCK_VERSION}: the only path into the plant; verifies every session itself.`, commands, process.argv.slice(2), AIRLOCK_VERSION);
process.exitCode = code;
