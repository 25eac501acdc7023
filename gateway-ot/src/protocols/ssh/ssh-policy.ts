/**
 * SSH assets and access profiles in the OT local policy. An SSH asset names the target, its pinned
 * host key (recorded at onboarding) and the account the gateway logs in as; the secret for that
 * account lives in the vault, never here.
 */
import { z } from 'zod';
import { linearRegexProblem } from '../../../../shared/src/text/linear-regex.js';
import type { AssetPolicy } from '../../policy/policy.js';
import { LINE_ACTIONS } from './filter/line-rules.js';
import { SUPPORTED_CLIENT_ALGORITHMS, type AlgorithmKind } from './ssh-client-algorithms.js';

/** Run by the linear-time engine (shared/src/text/linear-regex.ts); what it cannot run is refused here. */
const regexSchema = z
  .string()
  .min(1)
  .max(1024)
  .superRefine((p, ctx) => {
    const problem = linearRegexProblem(p);
    if (problem !== undefined)
      ctx.addIssue({ code: 'custom', message: `expected a regular expression: ${problem}` });
  });

/** One interactive rule: the first whose pattern matches a command of the line decides. */
const lineRuleSchema = z.strictObject({
  pattern: regexSchema,
  action: z.enum(LINE_ACTIONS),
  /** Shown to the operator when the rule refuses a line. */
  reason: z.string().max(200).optional(),
});

export const SSH_MODES = ['exec-only', 'interactive', 'record-only'] as const;

/** One exec-only allow-list entry: argument globs (`*`, `?` within one argument; a last `**` = any further arguments). */
const argvPatternSchema = z.array(z.string().min(1).max(1024)).min(1).max(64);

export const sshProfileSchema = z.strictObject({
  description: z.string().max(200).optional(),
  /** exec-only: argv allow-list, no pty; interactive: line filter; record-only: no filter. */
  mode: z.enum(SSH_MODES),
  /** exec-only: the commands allowed, as argv patterns. Empty allows nothing. */
  exec: z.array(argvPatternSchema).max(256).default([]),
  /** Whether the SFTP subsystem (sftp, scp) may be used. Every file operation is audited. */
  sftp: z.boolean().default(false),
  /** For vendors: the session reaches the target only once a supervisor is watching. */
  supervised: z.boolean().default(false),
  /** interactive: ordered rules applied to each command of each line (and to exec commands). */
  rules: z.array(lineRuleSchema).max(256).default([]),
  /** interactive: what a command no rule matches gets. */
  defaultAction: z.enum(LINE_ACTIONS).default('deny'),
  /** interactive: what a line that cannot be known gets (Tab, history, multi-line paste, echo off, full-screen). */
  uncertain: z.enum(['review', 'deny']).default('deny'),
  /**
   * interactive: how the target's shell edits a line. `readline` (bash): the filter models its
   * editing keys; `raw` (dash, busybox sh, a canonical-mode tty): editing keys are bytes of the
   * line. Absent: unknown, treated as `raw` (editing keys make the line uncertain).
   */
  lineDiscipline: z.enum(['readline', 'raw']).optional(),
  /** interactive: how long a line waits for an OT owner's approval before it is denied. */
  reviewTimeoutSeconds: z.number().int().min(5).max(3600).default(120),
});

/** The commands a rotation account may run to set a password; the new password goes to its stdin, never argv. */
export const ROTATION_COMMANDS = ['chpasswd', 'sudo chpasswd'] as const;

/**
 * Password rotation for the asset's account. The rotation account (its own secret is in the vault
 * under this asset) sets the new password with `chpasswd` (it is root) or `sudo chpasswd` (a sudoers
 * rule lets it run /usr/sbin/chpasswd without a password: sudo runs with -n and never prompts).
 */
export const sshRotationSchema = z.strictObject({
  account: z.string().min(1).max(64),
  command: z.enum(ROTATION_COMMANDS),
  /** Rotate after every session's check-in. */
  onCheckIn: z.boolean().default(false),
  /** Rotate when the committed password is this old (minutes); absent: no scheduled rotation. */
  intervalMinutes: z.number().int().min(5).max(527_040).optional(),
});

/** One kind's list, in preference order: names ssh2 implements, each once. */
function algorithmList<K extends AlgorithmKind>(kind: K) {
  return z
    .array(z.enum(SUPPORTED_CLIENT_ALGORITHMS[kind]))
    .min(1)
    .max(SUPPORTED_CLIENT_ALGORITHMS[kind].length)
    .refine((l) => new Set(l).size === l.length, { message: 'an algorithm is listed twice' })
    .optional();
}

/**
 * The algorithms offered to this target, for old targets the hardened default does not reach
 * (ssh-client-algorithms.ts); each list given replaces the default for its kind.
 */
export const sshAlgorithmsSchema = z.strictObject({
  kex: algorithmList('kex'),
  serverHostKey: algorithmList('serverHostKey'),
  cipher: algorithmList('cipher'),
  mac: algorithmList('mac'),
  compress: algorithmList('compress'),
});

export const sshAssetSchema = z.strictObject({
  protocol: z.literal('ssh'),
  description: z.string().max(200).optional(),
  address: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535).default(22),
  /** Pinned host key: an OpenSSH public key line (`ssh-ed25519 AAAA...`) or `SHA256:...` fingerprint. */
  hostKey: z.string().min(1).max(2048),
  /** The account the gateway logs in as; its secret is in the vault. */
  username: z.string().min(1).max(64),
  profiles: z.record(z.string(), sshProfileSchema),
  /** Absent: the account's password is never rotated by the gateway (a break-glass session then alerts). */
  rotation: sshRotationSchema.optional(),
  /** SSH algorithms offered to this target; absent: the hardened default (docs/ssh.md). */
  algorithms: sshAlgorithmsSchema.optional(),
});

export type SshAssetPolicy = z.output<typeof sshAssetSchema>;
export type SshProfile = z.output<typeof sshProfileSchema>;
export type SshRotationPolicy = z.output<typeof sshRotationSchema>;

/** The policy loader parsed every `ssh` asset with sshAssetSchema (it was registered for `ssh`). */
export function isSshAsset(asset: AssetPolicy): asset is SshAssetPolicy {
  return asset.protocol === 'ssh';
}
