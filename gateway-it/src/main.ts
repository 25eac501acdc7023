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
import { listEnvOverrides } from '../../shared/src/config/load-config.js';
import { formatFingerprint } from '../../shared/src/crypto/hash.js';
import { AIRLOCK_VERSION } from '../../shared/src/version.js';
import { IT_ENV_PREFIX, itConfigSchema, loadItConfig, type ItConfig } from './config/config.js';
import { createItGateway } from './app.js';
import { applianceCommands } from './appliance/appliance.js';
import { parseRoleAssignment } from './auth/auth.js';
import { auditKeyPath, IT_MIGRATIONS, tlsPathsOf, type RoleAssignment } from './store/store.js';
import { AirlockError } from '../../shared/src/errors.js';
import { formatIssues } from '../../shared/src/config/format-issues.js';
import { windowRuleSchema, type WindowRule } from './access/access.js';
import { verifyExportCommand } from './audit/audit.js';
import { existsSync } from 'node:fs';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { readSecretFile } from '../../shared/src/crypto/key-file.js';
import { publicKeyOf } from '../../shared/src/crypto/signing.js';
import { toBase64Url } from '../../shared/src/crypto/encoding.js';
import { omitUndefined } from '../../shared/src/omit-undefined.js';
import { freeTextProblem } from '../../shared/src/text/free-text.js';

/**
 * A free-text option (a display name, a company) as typed, or a usage error naming the option:
 * the CLI is a boundary like the API (shared/src/text/free-text.ts; docs/access.md "Free text").
 */
function freeTextOption(flag: string, value: string | undefined): string | undefined {
  const problem = value === undefined ? undefined : freeTextProblem(value, 'line');
  if (problem !== undefined) throw new UsageError(`--${flag}: ${problem}`);
  return value;
}

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

const RULE_OPTIONS = {
  weekly: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
} as const;

/** A window rule from --weekly/--from/--to or --start/--end; a usage error names what is wrong. */
function ruleFromArgs(v: {
  weekly?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  start?: string | undefined;
  end?: string | undefined;
}): WindowRule {
  const candidate =
    v.weekly !== undefined
      ? {
          kind: 'weekly',
          days: v.weekly.split(',').map((d) => d.trim().toLowerCase()),
          start: v.from,
          end: v.to,
        }
      : v.start !== undefined && v.end !== undefined
        ? { kind: 'once', start: Date.parse(v.start), end: Date.parse(v.end) }
        : undefined;
  if (candidate === undefined)
    throw new UsageError(
      'give --weekly <days> --from HH:MM --to HH:MM, or --start <time> --end <time>',
    );
  if (candidate.kind === 'once' && (Number.isNaN(candidate.start) || Number.isNaN(candidate.end)))
    throw new UsageError('--start and --end expect ISO 8601 times, e.g. 2026-03-29T22:00:00+02:00');
  const r = windowRuleSchema.safeParse(candidate);
  if (!r.success)
    throw new UsageError(`invalid window: ${formatProblems(formatIssues(r.error.issues))}`);
  return r.data;
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

const commands: Record<string, CliCommand> = {
  run: {
    summary: 'start the IT gateway (portal, API, link endpoint, SSH endpoint)',
    usage: `usage: ${PROGRAM} run --config <file>

Starts the gateway and runs until SIGINT or SIGTERM. The ready line on stdout gives the HTTPS URL,
the TLS certificate fingerprint and, unless ssh.enabled is false, the SSH endpoint's port and host
key fingerprint (pin it: ssh-keygen -lf, or the known_hosts line from the portal's SSH keys page). Environment variables override config keys:
${listEnvOverrides(itConfigSchema, IT_ENV_PREFIX)
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
        `${JSON.stringify({ event: 'ready', url: running.url, httpsPort: running.httpsPort, tlsFingerprint: formatFingerprint(running.tlsFingerprint), ...omitUndefined({ sshPort: running.ssh?.port, sshHostKeyFingerprint: running.ssh?.fingerprint }) })}\n`,
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
  'site-add': {
    summary: 'create a site',
    usage: `usage: ${PROGRAM} site-add --config <file> --site <id> --timezone <IANA zone> [--name <display name>]`,
    async run(argv) {
      const a = parseCommand(argv, {
        config: { type: 'string' },
        site: { type: 'string' },
        timezone: { type: 'string' },
        name: { type: 'string' },
      });
      if (!a.ok) throw new UsageError(a.error);
      const v = a.value.values;
      if (v.site === undefined || v.timezone === undefined)
        throw new UsageError('--site and --timezone are required');
      const displayName = freeTextOption('name', v.name);
      const config = configFrom(v.config);
      const site = await withGateway(config, (gw) =>
        gw.services.auth.userAdmin.createSite(
          {
            id: v.site ?? '',
            timezone: v.timezone ?? '',
            ...omitUndefined({ displayName }),
          },
          cliActor(),
        ),
      );
      process.stdout.write(`${JSON.stringify({ site: site.id, timezone: site.timezone })}\n`);
      return 0;
    },
  },
  'site-enroll-token': {
    summary: "issue a one-time enrollment token for a site's OT gateway (valid 15 minutes)",
    usage: `usage: ${PROGRAM} site-enroll-token --config <file> --site <id> [--json]

Prints the token (shown once, usable once, valid for 15 minutes; a new token replaces the site's
unused ones) and the SHA-256 fingerprint of this gateway's TLS certificate. On the OT gateway:
  airlock-ot enroll --config <file> --it-url https://<this gateway>:<port> --token <token> --fingerprint <fingerprint>`,
    async run(argv) {
      const a = parseCommand(argv, {
        config: { type: 'string' },
        site: { type: 'string' },
        json: { type: 'boolean' },
      });
      if (!a.ok) throw new UsageError(a.error);
      const v = a.value.values;
      if (v.site === undefined) throw new UsageError('--site is required');
      const config = configFrom(v.config);
      const issued = await withGateway(config, (gw) =>
        gw.services.sites.enrollment.issueToken(v.site ?? '', cliActor()),
      );
      const out = {
        site: issued.site,
        token: issued.token,
        expiresAt: new Date(issued.expiresAt).toISOString(),
        itFingerprint: formatFingerprint(issued.itFingerprint),
        ...omitUndefined({ itUrl: config.http.publicUrl }),
      };
      process.stdout.write(
        v.json === true
          ? `${JSON.stringify(out)}\n`
          : `enrollment token for site ${out.site} (usable once, until ${out.expiresAt}):\n  ${out.token}\nIT gateway certificate SHA-256:\n  ${out.itFingerprint}\nOn the OT gateway run:\n  airlock-ot enroll --config <file> --it-url ${config.http.publicUrl ?? 'https://<this gateway>:<port>'} --token ${out.token} --fingerprint ${out.itFingerprint}\n`,
      );
      return 0;
    },
  },
  'site-revoke': {
    summary: "revoke a site's OT gateway (its key is refused from then on)",
    usage: `usage: ${PROGRAM} site-revoke --config <file> --site <id> [--reason <text>]

Revokes the site's enrolled gateway identity. A running IT gateway closes its link at the next
heartbeat. To bring the site back, issue a new token and enroll a gateway with a new identity.`,
    async run(argv) {
      const a = parseCommand(argv, {
        config: { type: 'string' },
        site: { type: 'string' },
        reason: { type: 'string' },
      });
      if (!a.ok) throw new UsageError(a.error);
      const v = a.value.values;
      if (v.site === undefined) throw new UsageError('--site is required');
      const config = configFrom(v.config);
      const g = await withGateway(config, (gw) =>
        gw.services.sites.enrollment.revoke(
          v.site ?? '',
          cliActor(),
          v.reason ?? 'revoked from the command line',
        ),
      );
      process.stdout.write(
        `${JSON.stringify({ site: g.site, gatewayId: g.id, state: g.state })}\n`,
      );
      return 0;
    },
  },
  'user-add': {
    summary: 'create a user with a generated password and TOTP secret (shown once)',
    usage: `usage: ${PROGRAM} user-add --config <file> --name <name> --role <role[@site]> [--role ...]
                   [--display-name <text>] [--company <name> --contract-end YYYY-MM-DD] [--break-glass] [--json]

Roles: admin, engineer, vendor, ot-owner@<site>, auditor@<site>. Vendors need --company and
--contract-end. --break-glass marks the account for emergency access. Prints, once, the initial
password, the TOTP secret and otpauth:// URI and ten recovery codes (--json: as one JSON object).`,
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
        if (r === undefined)
          throw new UsageError(
            `--role ${text}: expected admin, engineer, vendor, ot-owner@<site> or auditor@<site>`,
          );
        roles.push(r);
      }
      const displayName = freeTextOption('display-name', v['display-name']);
      const company = freeTextOption('company', v.company);
      const config = configFrom(v.config);
      const created = await withGateway(config, (gw) =>
        gw.services.auth.userAdmin.createUser(
          {
            name: v.name ?? '',
            roles,
            ...omitUndefined({
              displayName,
              company,
              contractEnd: v['contract-end'],
            }),
            canBreakGlass: v['break-glass'] === true,
          },
          cliActor(),
        ),
      );
      const out = {
        name: created.user.name,
        roles: created.user.roles,
        password: created.password,
        totpSecret: created.totpSecret,
        totpUri: created.totpUri,
        recoveryCodes: created.recoveryCodes,
      };
      process.stdout.write(
        v.json === true
          ? `${JSON.stringify(out)}\n`
          : `created ${out.name}\n  password:       ${out.password}\n  TOTP secret:    ${out.totpSecret ?? ''}\n  TOTP URI:       ${out.totpUri ?? ''}\n  recovery codes: ${out.recoveryCodes.join(' ')}\nHand these over securely; they are not shown again.\n`,
      );
      return 0;
    },
  },
  'user-unlock': {
    summary:
      'lift the login lock of an account and its per-address backoffs (after repeated failed logins)',
    usage: `usage: ${PROGRAM} user-unlock --config <file> --name <user>`,
    async run(argv) {
      const a = parseCommand(argv, { config: { type: 'string' }, name: { type: 'string' } });
      if (!a.ok) throw new UsageError(a.error);
      const { config: file, name } = a.value.values;
      if (name === undefined) throw new UsageError('--name is required');
      const had = await withGateway(configFrom(file), (gw) =>
        gw.services.auth.userAdmin.unlock(name, cliActor()),
      );
      process.stdout.write(
        had ? `unlocked ${name}\n` : `${name} had no lock or failed logins; recorded anyway\n`,
      );
      return 0;
    },
  },
  'user-mfa-reset': {
    summary: "remove an account's second factor (lost phone); the user enrolls again at next login",
    usage: `usage: ${PROGRAM} user-mfa-reset --config <file> --name <user>`,
    async run(argv) {
      const a = parseCommand(argv, { config: { type: 'string' }, name: { type: 'string' } });
      if (!a.ok) throw new UsageError(a.error);
      const { config: file, name } = a.value.values;
      if (name === undefined) throw new UsageError('--name is required');
      await withGateway(configFrom(file), (gw) => {
        const user = gw.services.store.users.getByName(name);
        if (user === undefined)
          throw new AirlockError('not_found', 'user.not_found', `no user ${name}`);
        gw.services.auth.userAdmin.resetMfa(user.id, { cli: cliActor() });
      });
      process.stdout.write(
        `second factor of ${name} removed; they set up a new one at next login\n`,
      );
      return 0;
    },
  },
  'site-policy': {
    summary: "set a site's access policy (approvals required, ticket reference format)",
    usage: `usage: ${PROGRAM} site-policy --config <file> --site <id> --approvals <1-5> [--ticket-pattern <regex>]`,
    async run(argv) {
      const a = parseCommand(argv, {
        config: { type: 'string' },
        site: { type: 'string' },
        approvals: { type: 'string' },
        'ticket-pattern': { type: 'string' },
      });
      if (!a.ok) throw new UsageError(a.error);
      const v = a.value.values;
      if (v.site === undefined || v.approvals === undefined)
        throw new UsageError('--site and --approvals are required');
      const n = Number(v.approvals);
      if (!Number.isInteger(n)) throw new UsageError('--approvals expects a whole number 1-5');
      const p = await withGateway(configFrom(v.config), (gw) =>
        gw.services.access.policies.set({ cli: cliActor() }, v.site ?? '', {
          requiredApprovals: n,
          ticketPattern: v['ticket-pattern'] ?? null,
        }),
      );
      process.stdout.write(
        `${JSON.stringify({ site: p.site, requiredApprovals: p.requiredApprovals, ticketPattern: p.ticketPattern })}\n`,
      );
      return 0;
    },
  },
  'window-add': {
    summary: 'define a maintenance window for a site or one asset (weekly or one-off)',
    usage: `usage: ${PROGRAM} window-add --config <file> --site <id> --label <text> [--asset <name>]
         (--weekly <mon,tue,...> --from HH:MM --to HH:MM | --start <ISO time> --end <ISO time>)

Weekly times are wall-clock times in the site's timezone (an end at or before the start is the
next day); one-off times are ISO 8601 with an offset, e.g. 2026-03-29T22:00:00+02:00.`,
    async run(argv) {
      const a = parseCommand(argv, {
        config: { type: 'string' },
        site: { type: 'string' },
        label: { type: 'string' },
        asset: { type: 'string' },
        ...RULE_OPTIONS,
      });
      if (!a.ok) throw new UsageError(a.error);
      const v = a.value.values;
      if (v.site === undefined || v.label === undefined)
        throw new UsageError('--site and --label are required');
      const rule = ruleFromArgs(v);
      const w = await withGateway(configFrom(v.config), (gw) =>
        gw.services.access.windows.addWindow({ cli: cliActor() }, v.site ?? '', {
          asset: v.asset ?? null,
          label: v.label ?? '',
          rule,
        }),
      );
      process.stdout.write(
        `${JSON.stringify({ window: w.id, site: w.site, asset: w.asset, rule: w.description })}\n`,
      );
      return 0;
    },
  },
  'schedule-add': {
    summary: 'define a vendor job schedule (vendor, asset, profile, weekly or one-off window)',
    usage: `usage: ${PROGRAM} schedule-add --config <file> --site <id> --vendor <user> --asset <name> --profile <name> --label <text>
         (--weekly <mon,tue,...> --from HH:MM --to HH:MM | --start <ISO time> --end <ISO time>)`,
    async run(argv) {
      const a = parseCommand(argv, {
        config: { type: 'string' },
        site: { type: 'string' },
        vendor: { type: 'string' },
        asset: { type: 'string' },
        profile: { type: 'string' },
        label: { type: 'string' },
        ...RULE_OPTIONS,
      });
      if (!a.ok) throw new UsageError(a.error);
      const v = a.value.values;
      if (
        v.site === undefined ||
        v.vendor === undefined ||
        v.asset === undefined ||
        v.profile === undefined ||
        v.label === undefined
      )
        throw new UsageError('--site, --vendor, --asset, --profile and --label are required');
      const rule = ruleFromArgs(v);
      const x = await withGateway(configFrom(v.config), (gw) =>
        gw.services.access.windows.addSchedule({ cli: cliActor() }, v.site ?? '', {
          vendor: v.vendor ?? '',
          asset: v.asset ?? '',
          profile: v.profile ?? '',
          label: v.label ?? '',
          rule,
        }),
      );
      process.stdout.write(
        `${JSON.stringify({ schedule: x.id, site: x.site, vendor: x.vendor.name, asset: x.asset, profile: x.profile, rule: x.description })}\n`,
      );
      return 0;
    },
  },
  'verify-export': verifyExportCommand,
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
