/**
 * `airlock-ot policy learn | propose | apply`: the OT owner's learn, review, enforce loop on this
 * gateway's own state (docs/policy.md). Each verb opens the gateway's database and policy without
 * starting it (as `lockdown` does) and calls the learning service, which audits in the site's
 * chain. Arguments are parsed here, once; bad input changes nothing and names the problem.
 */
import { UsageError, type CliCommand } from '../../../shared/src/cli/run-cli.js';
import { parseCommand } from '../../../shared/src/cli/parse-args.js';
import { NAME_PATTERN } from '../../../shared/src/model/session-ticket.js';
import type { OtConfig } from '../config/config.js';
import type { Learning, Proposal } from '../learning/learning.js';

export interface PolicyCommandDeps {
  readonly program: string;
  readonly configFrom: (file: string | undefined) => OtConfig;
  /** Runs `fn` with the learning service of the gateway the config names (not started). */
  readonly withLearning: <T>(config: OtConfig, fn: (l: Learning) => T) => Promise<T>;
  /** Who runs the command, for the audit actor. */
  readonly actor: string;
  readonly now: () => number;
  /** What the running gateway did with the file this command wrote (cli/reload-note.ts). */
  readonly reloadNote: (config: OtConfig, policySha256: string, since: number) => Promise<string>;
}

const UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--until`: an ISO 8601 time with a zone, or a duration from now (`90m`, `8h`, `2d`). */
export function parseUntil(text: string, now: number): number | undefined {
  const rel = /^(\d{1,5})([mhd])$/.exec(text);
  if (rel !== null) return now + Number(rel[1]) * (UNIT_MS[rel[2] ?? ''] ?? 0);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text))
    return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

/** `[site/]asset/profile`; a site other than the gateway's is refused. */
export function parseTarget(
  text: string | undefined,
  site: string,
): { asset: string; profile: string } {
  const parts = (text ?? '').split('/');
  if (parts.length === 3 && parts[0] !== site)
    throw new UsageError(`this gateway is site ${site}, not ${parts[0] ?? ''}`);
  const [asset, profile] = parts.length === 3 ? parts.slice(1) : parts;
  if (
    parts.length < 2 ||
    parts.length > 3 ||
    asset === undefined ||
    profile === undefined ||
    !NAME_PATTERN.test(asset) ||
    !NAME_PATTERN.test(profile)
  )
    throw new UsageError('name the profile as [site/]asset/profile');
  return { asset, profile };
}

function parseMargin(text: string | undefined): number {
  if (text === undefined) return 10;
  const m = /^(\d{1,3})%?$/.exec(text);
  const v = m === null ? NaN : Number(m[1]);
  if (!(v >= 0 && v <= 100)) throw new UsageError('--margin must be a percentage 0..100, e.g. 10%');
  return v;
}

function describeProposal(p: Proposal): string {
  const lines = [
    `proposal ${p.id} for ${p.asset}/${p.profile}, from ${p.operations} learned operation(s)`,
    '',
    p.diff,
    '',
  ];
  if (p.replay !== undefined) {
    lines.push(
      `replay since ${new Date(p.replay.since).toISOString()}: ${p.replay.replayed} operation(s), ${p.replay.refused.length} would be refused`,
    );
    for (const r of p.replay.refused)
      lines.push(
        `  ${new Date(r.at).toISOString()} ${r.source}${r.seq === undefined ? '' : ` #${r.seq}`} session ${r.sessionId}: ${r.summary}: ${r.rule}: ${r.reason}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

export function createPolicyCommands(deps: PolicyCommandDeps): Record<string, CliCommand> {
  const p = deps.program;
  const usage = `usage: ${p} policy learn [site/]asset/profile (--until <time> | --stop) --config <file>
       ${p} policy propose [site/]asset/profile [--grants g1,g2] [--margin 10%] [--replay-days N] [--json] --config <file>
       ${p} policy apply <proposal-id> --config <file>

learn    puts the profile in learn mode until --until (ISO time with zone, or 90m, 8h, 2d; at most 7
         days): sessions that start meanwhile are decided by the profile's learnCeiling and every
         allowed operation is recorded. Audited (policy.learn) and sent to the OT owners as an alert.
         --stop ends the window now (policy.learn_end).
propose  builds the least-privilege profile from what was learned (by the given grants only, if
         any). Modbus: the units and function codes used, address ranges merged across gaps of up
         to 8, written values bounded with --margin each side. OPC UA: one rule per node read,
         written (numeric values bounded with --margin, Boolean and String values listed) or
         called. Prints it as a diff against the current profile; --replay-days N also replays the
         last N days of recorded traffic (forwarded writes and calls from the audit chain, learned
         reads) and lists every operation it would refuse.
apply    writes the proposal into the policy file (the old file kept as <file>.<time>.bak), audits
         the new file's SHA-256 (policy.apply) and ends learn mode. A running gateway reloads the
         file by itself (policy.reload); the command says whether it saw that reload.`;
  const withConfig = <T>(file: string | undefined, fn: (l: Learning, c: OtConfig) => T) => {
    const config = deps.configFrom(file);
    return deps.withLearning(config, (l) => fn(l, config));
  };
  return {
    policy: {
      summary: 'learn, propose and apply least-privilege access profiles (learn | propose | apply)',
      usage,
      async run(argv) {
        const [sub, ...rest] = argv;
        const a = parseCommand(rest, {
          config: { type: 'string' },
          until: { type: 'string' },
          stop: { type: 'boolean' },
          grants: { type: 'string' },
          margin: { type: 'string' },
          'replay-days': { type: 'string' },
          json: { type: 'boolean' },
        });
        if (!a.ok) throw new UsageError(a.error);
        const v = a.value.values;
        const [target, ...extra] = a.value.positionals;
        if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0] ?? ''}`);
        if (sub === 'learn' && v.stop === true) {
          if (v.until !== undefined) throw new UsageError('give --until or --stop, not both');
          const out = await withConfig(v.config, (l, c) => {
            const t = parseTarget(target, c.site);
            return { ...t, stopped: l.stopLearning({ ...t, actor: deps.actor }) };
          });
          process.stdout.write(
            `${out.asset}/${out.profile} ${out.stopped ? 'enforces again' : 'was not learning'}\n`,
          );
          return 0;
        }
        if (sub === 'learn') {
          const until = v.until === undefined ? undefined : parseUntil(v.until, deps.now());
          if (until === undefined)
            throw new UsageError('--until must be an ISO time with a zone or a duration (8h, 2d)');
          const out = await withConfig(v.config, (l, c) => {
            const t = parseTarget(target, c.site);
            return { ...t, ...l.learn({ ...t, until, actor: deps.actor }) };
          });
          process.stdout.write(
            `${out.asset}/${out.profile} learns until ${new Date(out.until).toISOString()}\n`,
          );
          return 0;
        }
        if (sub === 'propose') {
          const margin = parseMargin(v.margin);
          const days = v['replay-days'];
          if (days !== undefined && !/^\d{1,3}$/.test(days))
            throw new UsageError('--replay-days must be a whole number of days (at most 999)');
          const grants = (v.grants ?? '').split(',').filter((g) => g !== '');
          const proposal = await withConfig(v.config, (l, c) =>
            l.propose({
              ...parseTarget(target, c.site),
              marginPercent: margin,
              grants,
              ...(days === undefined ? {} : { replayDays: Number(days) }),
              actor: deps.actor,
            }),
          );
          process.stdout.write(
            v.json === true ? `${JSON.stringify(proposal)}\n` : describeProposal(proposal),
          );
          return 0;
        }
        if (sub === 'apply') {
          if (target === undefined || !/^prp_[a-z0-9]{1,64}$/.test(target))
            throw new UsageError('name the proposal to apply (prp_...)');
          const since = deps.now();
          const out = await withConfig(v.config, (l, c) => ({
            ...l.apply({ proposalId: target, actor: deps.actor }),
            config: c,
          }));
          const note = await deps.reloadNote(out.config, out.policySha256, since);
          process.stdout.write(
            `applied to ${out.asset}/${out.profile}: policy file SHA-256 ${out.policySha256} (previous file kept as ${out.backup})\n${note}\n`,
          );
          return 0;
        }
        throw new UsageError(`expected learn, propose or apply\n\n${usage}`);
      },
    },
  };
}
