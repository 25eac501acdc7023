/**
 * The vault's CLI verbs. A secret is read from stdin or from a key file, never from argv (argv is
 * visible in `ps` and shell history); it is sealed at once and the plaintext buffer zeroed. Nothing
 * here ever prints a secret.
 */
import { UsageError, type CliCommand } from '../../../shared/src/cli/run-cli.js';
import { parseCommand } from '../../../shared/src/cli/parse-args.js';
import { readSecretFile } from '../../../shared/src/crypto/key-file.js';
import { wipe } from '../../../shared/src/crypto/aead.js';
import { NAME_PATTERN } from '../../../shared/src/model/session-ticket.js';
import type { OtConfig } from '../config/config.js';
import type { LocalPolicy } from '../policy/policy.js';
import type { Rotation, Vault, VaultSecretKind } from '../vault/vault.js';
import { AirlockError } from '../../../shared/src/errors.js';

/** The vault without a running gateway: the same database, audit chain and master key. */
export interface OfflineVault {
  readonly site: string;
  readonly vault: Vault;
  readonly rotation: Rotation;
  readonly policy: LocalPolicy;
  close(): void;
}

export interface VaultCommandDeps {
  readonly program: string;
  readonly configFrom: (file: string | undefined) => OtConfig;
  /** Opens the vault of the gateway the config names (the composition root's openOfflineVault). */
  readonly openVault: (config: OtConfig) => Promise<OfflineVault>;
  readonly readStdin: () => Promise<Buffer>;
  /** Who runs the command, for the audit actor (the OS user). */
  readonly operator: string;
}

const ACCOUNT = /^[a-z_][a-z0-9_.-]{0,31}$/i;

async function withVault<T>(
  deps: VaultCommandDeps,
  file: string | undefined,
  fn: (v: OfflineVault) => Promise<T> | T,
): Promise<T> {
  const v = await deps.openVault(deps.configFrom(file));
  try {
    return await fn(v);
  } finally {
    v.close();
  }
}

/** One trailing newline (from `echo` or a here-string) is not part of a password. */
function trimNewline(b: Buffer): Buffer {
  let end = b.length;
  if (end > 0 && b[end - 1] === 0x0a) end--;
  if (end > 0 && b[end - 1] === 0x0d) end--;
  return b.subarray(0, end);
}

export function createVaultCommands(deps: VaultCommandDeps): Record<string, CliCommand> {
  const p = deps.program;
  return {
    'vault-set': {
      summary:
        'store or replace a target credential in the vault (secret from stdin or a key file)',
      usage: `usage: ${p} vault-set --config <file> --asset <name> --account <user> [--kind password|private-key] [--key-file <path>]

Reads the secret from stdin (a password: one trailing newline is dropped), or with --key-file from
an OpenSSH private key file (which must be 0600). The secret is never taken from the command line.
  echo -n 'S3cret' | ${p} vault-set --config ot.json --asset hmi-1 --account operator`,
      async run(argv) {
        const a = parseCommand(argv, {
          config: { type: 'string' },
          asset: { type: 'string' },
          account: { type: 'string' },
          kind: { type: 'string' },
          'key-file': { type: 'string' },
        });
        if (!a.ok) throw new UsageError(a.error);
        const { asset, account, kind: kindArg } = a.value.values;
        const keyFile = a.value.values['key-file'];
        if (a.value.positionals.length > 0)
          throw new UsageError(
            'unexpected argument; the secret is read from stdin or --key-file, never from the command line',
          );
        if (asset === undefined || !NAME_PATTERN.test(asset))
          throw new UsageError('--asset <name> is required (an asset of the local policy)');
        if (account === undefined || !ACCOUNT.test(account))
          throw new UsageError('--account <user> is required (a target account name)');
        const kind: VaultSecretKind =
          kindArg === undefined
            ? keyFile === undefined
              ? 'password'
              : 'private-key'
            : kindArg === 'password' || kindArg === 'private-key'
              ? kindArg
              : (() => {
                  throw new UsageError('--kind must be password or private-key');
                })();
        return withVault(deps, a.value.values.config, async ({ vault, policy }) => {
          if (policy.assets[asset] === undefined)
            throw new UsageError(`asset ${asset} is not in the local policy`);
          const raw =
            keyFile === undefined
              ? trimNewline(await deps.readStdin())
              : Buffer.from(readSecretFile(keyFile));
          try {
            if (raw.length === 0) throw new UsageError('no secret on stdin');
            if (
              kind === 'private-key' &&
              !raw.subarray(0, 64).toString('latin1').includes('-----BEGIN ')
            )
              throw new UsageError('the private key is not in PEM/OpenSSH format (-----BEGIN ...)');
            vault.set({ asset, account, kind, secret: raw, actor: deps.operator });
          } finally {
            wipe(raw);
          }
          process.stdout.write(`stored ${kind} for ${account} on ${asset}\n`);
          return 0;
        });
      },
    },
    'vault-list': {
      summary: 'list the credentials the vault holds (never the secrets)',
      usage: `usage: ${p} vault-list --config <file> [--json]

One line per asset and account: kind, version, last change and rotation, and whether a rotation's
outcome is still unconfirmed (both secrets are then tried at the next login).`,
      async run(argv) {
        const a = parseCommand(argv, { config: { type: 'string' }, json: { type: 'boolean' } });
        if (!a.ok) throw new UsageError(a.error);
        return withVault(deps, a.value.values.config, ({ vault }) => {
          const entries = vault.list();
          if (a.value.values.json === true) {
            process.stdout.write(`${JSON.stringify(entries)}\n`);
            return 0;
          }
          const iso = (t: number | null): string => (t === null ? '-' : new Date(t).toISOString());
          const lines = entries.map((e) =>
            [
              e.asset,
              e.account,
              e.kind,
              `v${e.version}`,
              iso(e.updatedAt),
              iso(e.rotatedAt),
              e.hasPending ? 'rotation-unconfirmed' : 'ok',
            ].join('\t'),
          );
          process.stdout.write(
            `${['ASSET', 'ACCOUNT', 'KIND', 'VERSION', 'UPDATED', 'ROTATED', 'STATE'].join('\t')}\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}`,
          );
          return 0;
        });
      },
    },
    'vault-rotate': {
      summary:
        "rotate an asset account's password now (two phases: set, verify a login, then commit)",
      usage: `usage: ${p} vault-rotate --config <file> --asset <name>

Rotates the password of the asset's account (the asset needs a "rotation" block in the local policy):
a new random password is set on the target through the rotation account, a login with it is
verified, and only then it replaces the old one in the vault. Any failure keeps the old password
working and is recorded as an alert. The password is never printed. Exits 1 when the rotation failed
or another one of the same account is under way (a running gateway's, say).`,
      async run(argv) {
        const a = parseCommand(argv, { config: { type: 'string' }, asset: { type: 'string' } });
        if (!a.ok) throw new UsageError(a.error);
        const asset = a.value.values.asset;
        if (a.value.positionals.length > 0) throw new UsageError('unexpected argument');
        if (asset === undefined || !NAME_PATTERN.test(asset))
          throw new UsageError('--asset <name> is required (an asset of the local policy)');
        return withVault(deps, a.value.values.config, async ({ rotation, policy }) => {
          if (policy.assets[asset] === undefined)
            throw new UsageError(`asset ${asset} is not in the local policy`);
          const r = await rotation.rotate(asset, 'manual', deps.operator);
          switch (r.outcome) {
            case 'committed':
              process.stdout.write(
                `rotated the password of ${rotation.targetOf(asset)?.account ?? '?'} on ${asset}\n`,
              );
              return 0;
            case 'busy':
              throw new AirlockError('conflict', 'vault.rotation_in_progress', r.message);
            case 'failed':
              throw new AirlockError(
                'unavailable',
                r.code,
                `rotation failed, ${r.state === 'kept-old' ? 'the old password is kept' : 'both passwords are kept until a login confirms one'}: ${r.message}`,
              );
            default: {
              const never: never = r;
              return never;
            }
          }
        });
      },
    },
  };
}
