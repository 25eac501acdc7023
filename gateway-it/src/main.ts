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
import { listEnvOverrides } from '../../shared/src/config/load-config.js';
import { formatFingerprint } from '../../shared/src/crypto/hash.js';
import { AIRLOCK_VERSION } from '../../shared/src/version.js';
import { IT_ENV_PREFIX, itConfigSchema, loadItConfig, type ItConfig } from './config/it-config.js';
import { createItGateway } from './app.js';
import { parseRoleAssignment } from './auth/user-admin.js';
import type { RoleAssignment } from './store/user-store.js';
import { verifyExportCommand } from './audit/verify-export-command.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AirlockError } from '../../shared/src/errors.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { readSecretFile } from '../../shared/src/crypto/key-file.js';
import { publicKeyOf } from '../../shared/src/crypto/signing.js';
import { toBase64Url } from '../../shared/src/crypto/encoding.js';

const PROGRAM = 'airlock-it';

function configFrom(file: string | undefined): ItConfig {
  if (file === undefined) throw new UsageError('--config <file> is required');
  const r = loadItConfig({ file, env: process.env });
  if (!r.ok) throw new UsageError(`invalid configuration:\n${r.error.map((p) => `  - ${formatProblems([p])}`).join('\n')}`);
  return r.value;
}

function cliActor(): string {
  return `cli:${userInfo().username}`;
}

async function withGateway<T>(config: ItConfig, fn: (gw: Awaited<ReturnType<typeof createItGateway>>) => T | Promise<T>): Promise<T> {
  const log = createLogger({ name: 'airlock-it', level: config.log.level });
  const gw = await createItGateway(config, { clock: systemClock, ids: randomIds, log });
  try {
    return await fn(gw);
  } finally {
    await gw.stop();
  }
}

const commands: Record<string, CliCommand> = {
  run: {
    summary: 'start the IT gateway (portal, API, link endpoint)',
    usage: `usage: ${PROGRAM} run --config <file>

Starts the gateway and runs until SIGINT or SIGTERM. Environment variables override config keys:
${listEnvOverrides(itConfigSchema, IT_ENV_PREFIX).map((l) => `  ${l}`).join('\n')}`,
    async run(argv) {
      const a = parseCommand(argv, { config: { type: 'string' } });
      if (!a.ok) throw new UsageError(a.error);
      const config = configFrom(a.value.values.config);
      const log = createLogger({ name: 'airlock-it', level: config.log.level });
      const gw = await createItGateway(config, { clock: systemClock, ids: randomIds, log });
      const running = await gw.start();
      const stopSignal = waitForStopSignal();
      process.stdout.write(`${JSON.stringify({ event: 'ready', url: running.url, httpsPort: running.httpsPort, tlsFingerprint: formatFingerprint(running.tlsFingerprint) })}\n`);
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
  'site-add': {
    summary: 'create a site',
    usage: `usage: ${PROGRAM} site-add --config <file> --site <id> --timezone <IANA zone> [--name <display name>]`,
    async run(argv) {
      const a = parseCommand(argv, { config: { type: 'string' }, site: { type: 'string' }, timezone: { type: 'string' }, name: { type: 'string' } });
      if (!a.ok) throw new UsageError(a.error);
      const v = a.value.values;
      if (v.site === undefined || v.timezone === undefined) throw new UsageError('--site and --timezone are required');
      const config = configFrom(v.config);
      const site = await withGateway(config, (gw) => gw.services.userAdmin.createSite({ id: v.site ?? '', timezone: v.timezone ?? '', ...(v.name === undefined ? {} : { displayName: v.name }) }, cliActor()));
      process.stdout.write(`${JSON.stringify({ site: site.id, timezone: site.timezone })}\n`);
      return 0;
    },
  },
  'user-add': {
    summary: 'create a user with a generated password and TOTP secret (shown once)',
    usage: `usage: ${PROGRAM} user-add --config <file> --name <name> --role <role[@site]> [--role ...]
                   [--display-name <text>] [--company <name> --contract-end YYYY-MM-DD] [--break-glass] [--json]

Roles: admin, engineer, vendor, ot-owner@<site>, auditor@<site>. Vendors need --company and
--contract-end. Prints the initial password and the TOTP secret and otpauth:// URI once.`,
    async run(argv) {
      const a = parseCommand(argv, {
        config: { type: 'string' },
        name: { type: 'string' },
        role: { type: 'string', multiple: true },
        'display-name': { type: 'string' },
        company: { type: 'string' },
        'contract-end': { type: 'string' },
        'break-glass': { type: 'boolean' },
        json: { type: 'boolean' },
      });
      if (!a.ok) throw new UsageError(a.error);
      const v = a.value.values;
      if (v.name === undefined) throw new UsageError('--name is required');
      const roles: RoleAssignment[] = [];
      for (const text of v.role ?? []) {
        const r = parseRoleAssignment(text);
        if (r === undefined) throw new UsageError(`--role ${text}: expected admin, engineer, vendor, ot-owner@<site> or auditor@<site>`);
        roles.push(r);
      }
      const config = configFrom(v.config);
      const created = await withGateway(config, (gw) =>
        gw.services.userAdmin.createUser(
          {
            name: v.name ?? '',
            roles,
            ...(v['display-name'] === undefined ? {} : { displayName: v['display-name'] }),
            ...(v.company === undefined ? {} : { company: v.company }),
            ...(v['contract-end'] === undefined ? {} : { contractEnd: v['contract-end'] }),
            canBreakGlass: v['break-glass'] === true,
          },
          cliActor(),
        ),
      );
      const out = { name: created.user.name, roles: created.user.roles, password: created.password, totpSecret: created.totpSecret, totpUri: created.totpUri };
      process.stdout.write(v.json === true ? `${JSON.stringify(out)}\n` : `created ${out.name}\n  password:    ${out.password}\n  TOTP secret: ${out.totpSecret}\n  TOTP URI:    ${out.totpUri}\nHand these over securely; they are not shown again.\n`);
      return 0;
    },
  },
  'verify-export': verifyExportCommand,
  'audit-key': {
    summary: 'print the audit public key that signs checkpoints and export bundles (for verify-export --public-key)',
    usage: `usage: ${PROGRAM} audit-key --config <file>

Prints the IT gateway's Ed25519 audit public key (base64url). Give it to auditors out of band;
\`${PROGRAM} verify-export <bundle> --public-key <key>\` then proves a bundle was signed by this gateway.`,
    async run(argv) {
      const a = parseCommand(argv, { config: { type: 'string' } });
      if (!a.ok) throw new UsageError(a.error);
      const config = configFrom(a.value.values.config);
      await initCrypto();
      const path = join(config.dataDir, 'keys', 'audit-signing.key');
      if (!existsSync(path)) throw new AirlockError('not_found', 'audit.no_key', `no audit key at ${path}: start the gateway once to create it`);
      process.stdout.write(`${toBase64Url(publicKeyOf(readSecretFile(path, 64)))}\n`);
      return 0;
    },
  },
};

const code = await runCli(PROGRAM, `Airlock IT gateway ${AIRLOCK_VERSION}: MFA login, access requests and approvals, and the relay to plant sites.`, commands, process.argv.slice(2), AIRLOCK_VERSION);
process.exitCode = code;
