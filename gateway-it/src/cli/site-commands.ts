/**
 * The site verbs of `airlock-it`: site-add, site-enroll-token, site-revoke, site-policy, site-itsm.
 * Each is audited in the IT chain as the portal's equivalent would be; a bad argument is a usage
 * error that names it and changes nothing.
 */
import { UsageError, type CliCommand } from '../../../shared/src/cli/run-cli.js';
import { parseCommand } from '../../../shared/src/cli/parse-args.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';
import { freeTextOption, type ItCliContext } from './cli-context.js';
import { formatFingerprint } from '../../../shared/src/crypto/hash.js';

export function createSiteCommands(ctx: ItCliContext): Record<string, CliCommand> {
  const { program: PROGRAM, configFrom, withGateway } = ctx;
  const cliActor = (): string => ctx.actor;
  return {
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
    'site-policy': {
      summary: "set a site's access policy (approvals required, ticket reference format)",
      usage: `usage: ${PROGRAM} site-policy --config <file> --site <id> --approvals <1-5> [--ticket-pattern <regex>]

  A new --approvals applies to the site's pending requests at once: one that already has enough
  approvals is granted, one that can never get them is flagged (audited request.reevaluate).`,
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
    'site-itsm': {
      summary: "check a site's ticket references against an ITSM connector (or stop with --off)",
      usage: `usage: ${PROGRAM} site-itsm --config <file> --site <id> (--off | --connector <name> --state <state>...
           [--ci <asset>=<CI name>...] [--on-unavailable deny|allow-and-flag] [--no-work-notes])

  The connector is one named under itsm.connectors in the config (see docs/access.md).`,
      async run(argv) {
        const a = parseCommand(argv, {
          config: { type: 'string' },
          site: { type: 'string' },
          off: { type: 'boolean' },
          connector: { type: 'string' },
          state: { type: 'string', multiple: true },
          ci: { type: 'string', multiple: true },
          'on-unavailable': { type: 'string' },
          'no-work-notes': { type: 'boolean' },
        });
        if (!a.ok) throw new UsageError(a.error);
        const v = a.value.values;
        if (v.site === undefined) throw new UsageError('--site is required');
        const site = v.site;
        if (v.off === true) {
          await withGateway(configFrom(v.config), (gw) =>
            gw.services.itsm.settings.clear({ cli: cliActor() }, site),
          );
          process.stdout.write(`${JSON.stringify({ site, itsm: null })}\n`);
          return 0;
        }
        if (v.connector === undefined) throw new UsageError('--connector (or --off) is required');
        const onUnavailable = v['on-unavailable'] ?? 'deny';
        if (onUnavailable !== 'deny' && onUnavailable !== 'allow-and-flag')
          throw new UsageError('--on-unavailable expects deny or allow-and-flag');
        const assetCis: Record<string, string> = {};
        for (const m of v.ci ?? []) {
          const eq = m.indexOf('=');
          if (eq <= 0) throw new UsageError(`--ci expects <asset>=<CI name>, got ${m}`);
          assetCis[m.slice(0, eq)] = m.slice(eq + 1);
        }
        const s = await withGateway(configFrom(v.config), (gw) =>
          gw.services.itsm.settings.set({ cli: cliActor() }, site, {
            connector: v.connector ?? '',
            allowedStates: v.state ?? [],
            assetCis,
            onUnavailable,
            workNotes: v['no-work-notes'] !== true,
          }),
        );
        process.stdout.write(`${JSON.stringify(s)}\n`);
        return 0;
      },
    },
  };
}
