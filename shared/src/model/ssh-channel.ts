/**
 * The control messages of an SSH session channel between the IT relay and the OT SSH broker.
 * The IT gateway terminates the operator's SSH connection; for each session channel it opens one
 * OT session (one data connection) and forwards the channel's requests as these messages, and the
 * channel's stdin/stdout bytes as the data stream. The OT broker opens the real channel on the
 * target, relays, filters, records, and answers with the messages below. Validated on receipt on
 * both sides; an invalid message ends the session.
 *
 * Order, IT -> OT: optional `ssh.pty`, then exactly one `ssh.start`, then any number of
 * `ssh.window`, `ssh.signal`, `ssh.eof`, and `ssh.supervisor_present` at any time. OT -> IT: `ssh.started` or `ssh.refused`, then any number
 * of `ssh.stderr`, `ssh.eof`, then `ssh.exit` (at most once) before the OT closes the session.
 * Gateway notices to the operator (a refused line, a grant about to end) are written into stdout
 * by the OT broker so they are recorded with everything else.
 */
import { z } from 'zod';
import { parseWith } from '../config/format-issues.js';
import type { Problem, Result } from '../result.js';
import { localeEnvSchema } from './ssh-locale-env.js';

const dim = z.number().int().min(0).max(10_000);

export const sshPtySchema = z.strictObject({
  type: z.literal('ssh.pty'),
  term: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[\x21-\x7e]+$/, 'expected a terminal name'),
  cols: dim,
  rows: dim,
  width: dim,
  height: dim,
  /** RFC 4254 terminal modes, by name (ssh2's names), e.g. { ECHO: 1 }. */
  modes: z.record(z.string().max(32), z.number().int().min(0).max(0xffffffff)).optional(),
});

export const sshStartSchema = z.discriminatedUnion('kind', [
  /** `env`: the operator's locale variables only (ssh-locale-env.ts), checked again on receipt. */
  z.strictObject({
    type: z.literal('ssh.start'),
    kind: z.literal('shell'),
    env: localeEnvSchema.optional(),
  }),
  z.strictObject({
    type: z.literal('ssh.start'),
    kind: z.literal('exec'),
    command: z.string().min(1).max(32_768),
    env: localeEnvSchema.optional(),
  }),
  z.strictObject({
    type: z.literal('ssh.start'),
    kind: z.literal('subsystem'),
    name: z.literal('sftp'),
  }),
]);

export const sshWindowSchema = z.strictObject({
  type: z.literal('ssh.window'),
  cols: dim,
  rows: dim,
  width: dim,
  height: dim,
});
/** Signal names as RFC 4254 §6.10 spells them, without "SIG". */
export const SSH_SIGNALS = [
  'ABRT',
  'ALRM',
  'FPE',
  'HUP',
  'ILL',
  'INT',
  'KILL',
  'PIPE',
  'QUIT',
  'SEGV',
  'TERM',
  'USR1',
  'USR2',
] as const;
export const sshSignalSchema = z.strictObject({
  type: z.literal('ssh.signal'),
  name: z.enum(SSH_SIGNALS),
});
export const sshEofSchema = z.strictObject({ type: z.literal('ssh.eof') });
/**
 * A supervisor (OT owner) is now watching this session in the portal. A `supervised` profile
 * holds the session before it reaches the target until this arrives; it may come at any time.
 */
export const sshSupervisorPresentSchema = z.strictObject({
  type: z.literal('ssh.supervisor_present'),
  supervisor: z.string().min(1).max(128),
});

export const itToOtSshMessageSchema = z.discriminatedUnion('type', [
  sshPtySchema,
  sshStartSchema,
  sshWindowSchema,
  sshSignalSchema,
  sshEofSchema,
  sshSupervisorPresentSchema,
]);
export type ItToOtSshMessage = z.output<typeof itToOtSshMessageSchema>;

export const sshStartedSchema = z.strictObject({ type: z.literal('ssh.started') });
export const sshRefusedSchema = z.strictObject({
  type: z.literal('ssh.refused'),
  /** Stable code (`ssh.host_key_mismatch`, `ssh.profile_forbids_shell`, ...). */
  code: z.string().min(1).max(64),
  /** Shown to the operator; never contains a secret. */
  message: z.string().min(1).max(500),
});
export const sshStderrSchema = z.strictObject({
  type: z.literal('ssh.stderr'),
  data: z.base64().max(87_384),
});
/** Either an exit status, or the signal that ended the remote command (then coreDumped and message). */
export const sshExitSchema = z
  .strictObject({
    type: z.literal('ssh.exit'),
    status: z.number().int().min(0).max(255).optional(),
    signal: z.enum(SSH_SIGNALS).optional(),
    coreDumped: z.boolean().optional(),
    message: z.string().max(500).optional(),
  })
  .refine((m) => (m.status === undefined) !== (m.signal === undefined), {
    message: 'expected exactly one of status or signal',
  });

export const otToItSshMessageSchema = z.discriminatedUnion('type', [
  sshStartedSchema,
  sshRefusedSchema,
  sshStderrSchema,
  sshEofSchema,
  sshExitSchema,
]);
export type OtToItSshMessage = z.output<typeof otToItSshMessageSchema>;

export function parseItToOtSsh(input: unknown): Result<ItToOtSshMessage, Problem[]> {
  return parseWith(itToOtSshMessageSchema, input);
}

export function parseOtToItSsh(input: unknown): Result<OtToItSshMessage, Problem[]> {
  return parseWith(otToItSshMessageSchema, input);
}
