#!/usr/bin/env node
/**
 * `airlock-it`: the IT gateway's command line. The only place that reads process.env and argv.
 */
import { userInfo } from 'node:os';
import { runCli, UsageError, type CliCommand } from '../../shared/src/cli/run-cli.js';
import { parseCommand } from '../../shared/src/cli/parse-args.js';
import { waitForStopSignal } from '../../shared/src/cli/wait-for-signal.js';
import { systemClock } from '../../shared/src/clock.js';
import { randomIds } from '../../shared/src/ids.js';
import { createLogger } from '../../shared/src/log.js';
import { formatProblems } from '../../shared/src/result.js';
import { envHelpLines } from '../../shared/src/config/config-reference.js';
import { formatFingerprint } from '../../shared/src/crypto/hash.js';
import { AIRLOCK_VERSION } from '../../shared/src/version.js';
import { IT_ENV_PREFIX, itConfigSchema, loadItConfig, type ItConfig } from './config/config.js';
import { createItGateway } from './app.js';
import { applianceCommands } from './appliance/appliance.js';
import {
  createEvidenceCommands,
  createScheduleCommands,
  createSiteCommands,
  createUserCommands,
  type ItCliContext,
} from './cli/cli.js';
import { auditKeyPath, IT_MIGRATIONS, tlsPathsOf } from './store/store.js';
import { AirlockError } from '../../shared/src/errors.js';
import { verifyExportCommand } from './audit/audit.js';
import { existsSync } from 'node:fs';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { readSecretFile } from '../../shared/src/crypto/key-file.js';
import { publicKeyOf } from '../../shared/src/crypto/signing.js';
import { toBase64Url } from '../../shared/src/crypto/encoding.js';
import { omitUndefined } from '../../shared/src/omit-undefined.js';

const PROGRAM = 'airlock-it';

function configFrom(file: string | undefined): ItConfig {
  if (file === undefined) throw new UsageError('--config <file> is required');
  const r = loadItConfig({ file, env: process.env });
  if (!r.ok)
    throw new UsageError(
      `invalid configuration:\n${r.error.map((p) => `  - ${formatProblems([p])}`).join('\n')}`,
    );
  return r.value;
}

function cliActor(): string {
  return `cli:${userInfo().username}`;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const all = Buffer.concat(chunks);
  for (const c of chunks) c.fill(0);
  return all;
}

async function withGateway<T>(
  config: ItConfig,
  fn: (gw: Awaited<ReturnType<typeof createItGateway>>) => T | Promise<T>,
): Promise<T> {
  const log = createLogger({ name: 'airlock-it', level: config.log.level });
  const gw = await createItGateway(config, { clock: systemClock, ids: randomIds, log });
  try {
    return await fn(gw);
  } finally {
    await gw.stop();
  }
}

const cliContext: ItCliContext = {
  program: PROGRAM,
  configFrom,
  actor: cliActor(),
  withGateway,
};

const commands: Record<string, CliCommand> = {
  run: {
    summary: 'start the IT gateway (portal, API, link endpoint, SSH endpoint)',
    usage: `usage: ${PROGRAM} run --config <file>

Starts the gateway and runs until SIGINT or SIGTERM. The ready line on stdout gives the HTTPS URL,
the TLS certificate fingerprint and, unless ssh.enabled is false, the SSH endpoint's port and host
key fingerprint and public key (sshHostKey, \`ssh-ed25519 AAAA...\`: pin it in known_hosts as
\`[host]:port <sshHostKey>\`, or take the known_hosts line from the portal's SSH keys page).

Environment variables override config keys (a value is parsed as the key's type; a map or list as
JSON). Every key, its default and example files: docs/config.md.
${envHelpLines(itConfigSchema, IT_ENV_PREFIX)
  .map((l) => `  ${l}`)
  .join('\n')}`,
    async run(argv) {
      const a = parseCommand(argv, { config: { type: 'string' } });
      if (!a.ok) throw new UsageError(a.error);
      const config = configFrom(a.value.values.config);
      const log = createLogger({ name: 'airlock-it', level: config.log.level });
      const gw = await createItGateway(config, { clock: systemClock, ids: randomIds, log });
      const running = await gw.start();
      const stopSignal = waitForStopSignal();
      process.stdout.write(
        `${JSON.stringify({ event: 'ready', url: running.url, httpsPort: running.httpsPort, tlsFingerprint: formatFingerprint(running.tlsFingerprint), ...omitUndefined({ sshPort: running.ssh?.port, sshHostKeyFingerprint: running.ssh?.fingerprint, sshHostKey: running.ssh?.publicKey }) })}\n`,
      );
      if (running.setupCode !== undefined) {
        // Listening on every address: the URL people use is this machine's, which only they know.
        const url = running.url.replace(
          /^https:\/\/(0\.0\.0\.0|\[::\])(:443)?/,
          'https://<this appliance>',
        );
        process.stdout.write(
          `\nAirlock set-up code: ${running.setupCode}\n  No admin exists yet. Create the first admin with this code at ${url}/setup\n  (or POST /api/v1/setup). It works once; each start shows a new one until an admin exists.\n  TLS certificate SHA-256: ${formatFingerprint(running.tlsFingerprint)}\n\n`,
        );
      }
      await stopSignal;
      await gw.stop();
      return 0;
    },
  },
  'check-config': {
    summary: 'validate a config file (and environment overrides) without starting',
    usage: `usage: ${PROGRAM} check-config --config <file>`,
    async run(argv) {
      const a = parseCommand(argv, { config: { type: 'string' } });
      if (!a.ok) throw new UsageError(a.error);
      configFrom(a.value.values.config);
      process.stdout.write('configuration is valid\n');
      return 0;
    },
  },
  ...createSiteCommands(cliContext),
  ...createUserCommands(cliContext),
  ...createScheduleCommands(cliContext),
  'verify-export': verifyExportCommand,
  ...createEvidenceCommands(cliContext),
  ...applianceCommands({
    program: PROGRAM,
    version: AIRLOCK_VERSION,
    configFrom,
    loadFile: (file) => loadItConfig({ file, env: {} }),
    readStdin,
    actor: cliActor(),
    migrations: IT_MIGRATIONS,
    defaultTls: tlsPathsOf,
  }),
  'audit-key': {
    summary:
      'print the audit public key that signs checkpoints and export bundles (for verify-export --public-key)',
    usage: `usage: ${PROGRAM} audit-key --config <file>

Prints the IT gateway's Ed25519 audit public key (base64url). Give it to auditors out of band;
\`${PROGRAM} verify-export <bundle> --public-key <key>\` then proves a bundle was signed by this gateway.`,
    async run(argv) {
      const a = parseCommand(argv, { config: { type: 'string' } });
      if (!a.ok) throw new UsageError(a.error);
      const config = configFrom(a.value.values.config);
      await initCrypto();
      const path = auditKeyPath(config.dataDir);
      if (!existsSync(path))
        throw new AirlockError(
          'not_found',
          'audit.no_key',
          `no audit key at ${path}: start the gateway once to create it`,
        );
      process.stdout.write(`${toBase64Url(publicKeyOf(readSecretFile(path, 64)))}\n`);
      return 0;
    },
  },
};

const code = await runCli(
  PROGRAM,
  `Airlock IT gateway ${AIRLOCK_VERSION}: MFA login, access requests and approvals, and the relay to plant sites.`,
  commands,
  process.argv.slice(2),
  AIRLOCK_VERSION,
);
process.exitCode = code;
