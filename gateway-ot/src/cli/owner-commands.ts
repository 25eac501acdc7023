/**
 * `airlock-ot owner enroll-start|list|remove`: the OT owner's side of owner-signed approvals.
 * `enroll-start <name>` prints a one-time code for the owner to type in the IT portal (the code is
 * the owner's to keep: it is printed once, stored only as the challenge it yields, and never
 * logged); `list` shows enrolled passkeys and pending enrollments; `remove <name>` removes an
 * owner's passkeys. Each change is audited in the site's chain (owners/).
 */
import { UsageError, type CliCommand } from '../../../shared/src/cli/run-cli.js';
import { parseCommand } from '../../../shared/src/cli/parse-args.js';
import { ownerNameSchema } from '../../../shared/src/model/owner-approval.js';
import type { OtConfig } from '../config/config.js';
import type { Owners } from '../owners/owners.js';
import type { OwnerKeyStore } from '../store/store.js';

/** The owners' state without a running gateway: the same database and audit chain. */
export interface OfflineOwners {
  readonly site: string;
  readonly owners: Owners;
  readonly keys: OwnerKeyStore;
  readonly approvalMode: string;
  close(): void;
}

export interface OwnerCommandDeps {
  readonly program: string;
  readonly configFrom: (file: string | undefined) => OtConfig;
  readonly openOwners: (config: OtConfig) => Promise<OfflineOwners>;
  /** Who runs the command, for the audit actor (the OS user). */
  readonly operator: string;
}

export function createOwnerCommands(deps: OwnerCommandDeps): Record<string, CliCommand> {
  const p = deps.program;
  const usage = `usage: ${p} owner enroll-start <name> --config <file>
       ${p} owner list --config <file> [--json]
       ${p} owner remove <name> --config <file>

enroll-start prints a one-time code (valid 15 minutes, single use) for the OT owner <name> (their
portal account name). The owner's browser makes a passkey registration whose challenge commits to
the code, this site and <name>; the IT gateway only relays it (link message owner.enroll) and this
gateway verifies it, so an enrollment not started here is refused. Five refused completions end
the enrollment. Used by sites whose local policy says "approvals": "owner-signed" (docs/access.md).`;
  const run = async (argv: readonly string[]): Promise<number> => {
    const [sub, ...rest] = argv;
    const a = parseCommand(rest, { config: { type: 'string' }, json: { type: 'boolean' } });
    if (!a.ok) throw new UsageError(a.error);
    const [name, ...extra] = a.value.positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    const needName = (): string => {
      const r = ownerNameSchema.safeParse(name);
      if (!r.success)
        throw new UsageError(
          name === undefined
            ? 'the owner name is missing'
            : `bad owner name ${name}: ${r.error.issues[0]?.message ?? ''}`,
        );
      return r.data;
    };
    if (sub !== 'enroll-start' && sub !== 'list' && sub !== 'remove')
      throw new UsageError('expected enroll-start, list or remove');
    const owner = sub === 'list' ? undefined : needName();
    const o = await deps.openOwners(deps.configFrom(a.value.values.config));
    try {
      if (sub === 'enroll-start' && owner !== undefined) {
        const { code, expiresAt } = o.owners.enrollment.start(owner, deps.operator);
        process.stdout.write(
          `one-time code for ${owner} at ${o.site}: ${code}\n` +
            `valid until ${new Date(expiresAt).toISOString()}, single use; give it to ${owner} only\n` +
            (o.approvalMode === 'owner-signed'
              ? ''
              : `note: this site's local policy says approvals ${o.approvalMode}; owner keys are used once it says owner-signed\n`),
        );
        return 0;
      }
      if (sub === 'remove' && owner !== undefined) {
        const n = o.owners.enrollment.remove(owner, deps.operator);
        process.stdout.write(`removed ${n} passkey(s) of ${owner}\n`);
        return 0;
      }
      const keys = o.keys.keys().map((k) => ({
        owner: k.owner,
        credentialId: k.credentialId,
        origin: k.origin,
        enrolledAt: new Date(k.enrolledAt).toISOString(),
        lastUsedAt: k.lastUsedAt === null ? null : new Date(k.lastUsedAt).toISOString(),
        counter: k.counter,
      }));
      if (a.value.values.json === true)
        process.stdout.write(
          `${JSON.stringify({ site: o.site, approvals: o.approvalMode, keys })}\n`,
        );
      else
        process.stdout.write(
          `site ${o.site}, approvals ${o.approvalMode}\n` +
            (keys.length === 0
              ? 'no owner passkeys enrolled\n'
              : keys
                  .map(
                    (k) =>
                      `${k.owner}  ${k.credentialId.slice(0, 16)}…  ${k.origin}  enrolled ${k.enrolledAt}  last used ${k.lastUsedAt ?? 'never'}\n`,
                  )
                  .join('')),
        );
      return 0;
    } finally {
      o.close();
    }
  };
  return {
    owner: {
      summary: "enroll, list or remove OT owners' passkeys (owner-signed approvals)",
      usage,
      run,
    },
  };
}
