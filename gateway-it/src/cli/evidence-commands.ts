/**
 * `airlock-it evidence-pack`: writes the evidence pack of one grant or one maintenance window
 * occurrence to a file (audit/evidence-pack.ts; docs/audit.md "Evidence pack"). Arguments are
 * checked before anything is read; an existing --out file is never overwritten. The pack is audited
 * (`audit.evidence_pack`, AL1008) with the operator's login as actor, like every CLI verb.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError, type CliCommand } from '../../../shared/src/cli/run-cli.js';
import { parseCommand } from '../../../shared/src/cli/parse-args.js';
import type { ItCliContext } from './cli-context.js';

export function createEvidenceCommands(ctx: ItCliContext): Record<string, CliCommand> {
  const { program: PROGRAM, configFrom, withGateway } = ctx;
  return {
    'evidence-pack': {
      summary:
        'write the signed evidence pack of one grant or maintenance window (verify it with verify-export)',
      usage: `usage: ${PROGRAM} evidence-pack --config <file> (--grant <id> | --window <id> [--at <ISO time>])
           --out <file.tar.gz> [--no-recordings]

One bundle in the export format about one grant, or about one occurrence of a maintenance window
(the one that started last at or before --at, default now: every grant of its site, or of its
asset, valid during it): the request, approvals with approver names and owner signatures, the grant
scope, every session with its recording, every operation with old -> new values, every refusal, the
OT policy hashes in force, and the signed chain segment that proves each of those events, plus
evidence/summary.md for people. \`${PROGRAM} verify-export <file>\` checks it offline.
With recordings (the default) a site with four-eyes playback needs an approved export request that
covers the pack's range, as for exports; --no-recordings leaves recordings out.
Prints one JSON line: the pack id, file, SHA-256, size, and counts. Exit 0 written, 1 refused or failed.`,
      async run(argv) {
        const a = parseCommand(argv, {
          config: { type: 'string' },
          grant: { type: 'string' },
          window: { type: 'string' },
          at: { type: 'string' },
          out: { type: 'string' },
          'no-recordings': { type: 'boolean' },
        });
        if (!a.ok) throw new UsageError(a.error);
        const v = a.value.values;
        if ((v.grant === undefined) === (v.window === undefined))
          throw new UsageError('give exactly one of --grant <id> or --window <id>');
        if (v.at !== undefined && v.window === undefined)
          throw new UsageError('--at applies to --window only');
        const at = v.at === undefined ? undefined : Date.parse(v.at);
        if (at !== undefined && Number.isNaN(at))
          throw new UsageError('--at expects an ISO 8601 time, e.g. 2026-03-29T22:00:00+02:00');
        if (v.out === undefined) throw new UsageError('--out <file> is required');
        const out = resolve(v.out);
        if (existsSync(out))
          throw new UsageError(`--out ${v.out}: the file exists; choose another`);
        if (!existsSync(dirname(out)))
          throw new UsageError(`--out ${v.out}: the directory ${dirname(out)} does not exist`);
        const config = configFrom(v.config);
        const pack = await withGateway(config, (gw) =>
          gw.services.audit.evidence.write(
            {
              kind: v.grant === undefined ? 'window' : 'grant',
              id: v.grant ?? v.window ?? '',
              ...(at === undefined ? {} : { at }),
              recordings: v['no-recordings'] !== true,
              requestedBy: ctx.actor,
            },
            out,
          ),
        );
        process.stdout.write(`${JSON.stringify({ ...pack, file: out })}\n`);
        return 0;
      },
    },
  };
}
