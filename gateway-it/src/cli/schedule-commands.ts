/**
 * The time verbs of `airlock-it`: window-add (a site's maintenance windows) and schedule-add (a
 * vendor's scheduled jobs). A rule is parsed into the same typed value the API takes, so the CLI and
 * the portal accept and refuse exactly the same windows.
 */
import { UsageError, type CliCommand } from '../../../shared/src/cli/run-cli.js';
import { parseCommand } from '../../../shared/src/cli/parse-args.js';
import type { ItCliContext } from './cli-context.js';
import { formatProblems } from '../../../shared/src/result.js';
import { formatIssues } from '../../../shared/src/config/format-issues.js';
import { windowRuleSchema, type WindowRule } from '../access/access.js';

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

export function createScheduleCommands(ctx: ItCliContext): Record<string, CliCommand> {
  const { program: PROGRAM, configFrom, withGateway } = ctx;
  const cliActor = (): string => ctx.actor;
  return {
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
  };
}
