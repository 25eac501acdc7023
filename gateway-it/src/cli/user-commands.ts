/**
 * The account verbs of `airlock-it`: user-add (its password and TOTP secret printed once), user-unlock
 * (any admin's way round a lock, so a locked admin needs nobody's consent but another admin's),
 * user-mfa-reset, user-sso-link, user-email (address and notices by e-mail) (bind an account to its identity at an SSO provider). Audited as
 * the portal's equivalents.
 */
import { UsageError, type CliCommand } from '../../../shared/src/cli/run-cli.js';
import { parseCommand } from '../../../shared/src/cli/parse-args.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';
import { freeTextOption, type ItCliContext } from './cli-context.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { parseRoleAssignment } from '../auth/auth.js';
import type { RoleAssignment } from '../store/store.js';
import { EMAIL_KINDS } from '../notify/notify.js';

export function createUserCommands(ctx: ItCliContext): Record<string, CliCommand> {
  const { program: PROGRAM, configFrom, withGateway } = ctx;
  const cliActor = (): string => ctx.actor;
  return {
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
    'user-email': {
      summary:
        "set an account's e-mail address and the notices it gets by e-mail (default: every kind)",
      usage: `usage: ${PROGRAM} user-email --config <file> --name <user> --email <address> [--kind <kind>]...
  An empty --email '' removes the address. Kinds: ${EMAIL_KINDS.map((k) => k.event).join(', ')}.`,
      async run(argv) {
        const a = parseCommand(argv, {
          config: { type: 'string' },
          name: { type: 'string' },
          email: { type: 'string' },
          kind: { type: 'string', multiple: true },
        });
        if (!a.ok) throw new UsageError(a.error);
        const { config: file, name, email, kind } = a.value.values;
        if (name === undefined || email === undefined)
          throw new UsageError('--name and --email are required');
        const kinds = kind ?? EMAIL_KINDS.map((k) => k.event);
        await withGateway(configFrom(file), (gw) =>
          gw.services.notify.settings.setEmailByOperator(cliActor(), name, { email, kinds }),
        );
        process.stdout.write(
          email === '' ? `${name} gets no e-mail\n` : `${name} <${email}>: ${kinds.join(', ')}\n`,
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
      summary:
        "remove an account's second factor (lost phone); the user enrolls again at next login",
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
    'user-sso-link': {
      summary: 'bind an existing account to its identity (subject) at a single sign-on provider',
      usage: `usage: ${PROGRAM} user-sso-link --config <file> --name <user> --provider <id> --subject <sub>

  The subject is the provider's stable id for the person (the ID token's sub: Entra ID's per-app
  sub, Okta's user id, Keycloak's user id), never an e-mail. One identity per account.`,
      async run(argv) {
        const a = parseCommand(argv, {
          config: { type: 'string' },
          name: { type: 'string' },
          provider: { type: 'string' },
          subject: { type: 'string' },
        });
        if (!a.ok) throw new UsageError(a.error);
        const { config: file, name, provider, subject } = a.value.values;
        if (name === undefined || provider === undefined || subject === undefined)
          throw new UsageError('--name, --provider and --subject are required');
        await withGateway(configFrom(file), (gw) =>
          gw.services.sso.link(provider, subject, name, cliActor()),
        );
        process.stdout.write(`${name} is bound to subject ${subject} at ${provider}\n`);
        return 0;
      },
    },
  };
}
