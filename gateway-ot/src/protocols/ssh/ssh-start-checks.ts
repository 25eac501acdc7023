/**
 * The SSH broker's checks before anything reaches the target (ssh-broker.ts runs them once the
 * IT side's `ssh.start` arrived): the access profile against the request (SFTP, exec-only: no
 * shell, no pty, the exec allow-list) and, in interactive mode, an exec command as one line of
 * the filter's rules, with an OT owner's review when a rule says so. Every refusal is audited
 * here and thrown as an AirlockError with the code the operator is told (`ssh.refused`).
 *
 * Not here: opening the target or relaying (ssh-broker.ts, ssh-relay.ts), interactive lines
 * (filter/interactive-filter.ts).
 */
import { AirlockError } from '../../../../shared/src/errors.js';
import type { ItToOtSshMessage } from '../../../../shared/src/model/ssh-channel.js';
import type { BrokerSession, RequestReview, ReviewVerdict } from '../../sessions/sessions.js';
import { decideExec } from './filter/exec-allow-list.js';
import { decideLine } from './filter/line-rules.js';
import { readShell } from './filter/shell-reader.js';
import type { SshProfile } from './ssh-policy.js';

export type PtyMessage = Extract<ItToOtSshMessage, { type: 'ssh.pty' }>;
export type StartMessage = Extract<ItToOtSshMessage, { type: 'ssh.start' }>;

/** What the checks need of the session being started. */
export interface StartCheckContext {
  readonly session: BrokerSession;
  readonly pty: PtyMessage | undefined;
  /** Tells the operator (stderr before the start). */
  notice(text: string): void;
  review(line: string | null, why: string, timeoutMs: number): Promise<ReviewVerdict>;
}

/** Applies the profile to the request; returns the exec command to run (re-quoted in exec-only). */
export function checkProfile(
  ctx: StartCheckContext,
  profile: SshProfile,
  start: StartMessage,
): string | undefined {
  const deny = (code: string, message: string, details: Record<string, unknown>): never => {
    ctx.session.audit({
      action: 'ssh.request_deny',
      target: ctx.session.assetName,
      outcome: 'denied',
      details: { ...details, reason: code },
    });
    throw new AirlockError('access_denied', code, message);
  };
  if (start.kind === 'subsystem') {
    if (!profile.sftp)
      deny('ssh.sftp_forbidden', `profile ${ctx.session.profileName} does not allow SFTP or scp`, {
        request: 'subsystem',
        name: start.name,
      });
    return undefined;
  }
  if (profile.mode === 'exec-only') {
    if (start.kind === 'shell')
      deny(
        'ssh.profile_forbids_shell',
        `profile ${ctx.session.profileName} is exec-only: run one allowed command (ssh host command)`,
        { request: 'shell' },
      );
    if (ctx.pty !== undefined)
      deny(
        'ssh.profile_forbids_pty',
        `profile ${ctx.session.profileName} is exec-only: no terminal is allocated (do not use ssh -t)`,
        { request: 'pty' },
      );
  }
  if (start.kind !== 'exec') return undefined;
  if (profile.mode !== 'exec-only') return start.command;
  const decision = decideExec(start.command, profile.exec);
  if (decision.decision === 'deny') {
    ctx.session.audit({
      action: 'ssh.command_deny',
      target: ctx.session.assetName,
      outcome: 'denied',
      details: { mode: 'exec-only', command: start.command, reason: decision.reason },
    });
    throw new AirlockError(
      'access_denied',
      'ssh.command_denied',
      `command refused: ${decision.reason}`,
    );
  }
  return decision.command;
}

/** In interactive mode an exec command is one line, decided by the same rules (review waits). */
export async function checkExecLine(
  ctx: StartCheckContext,
  profile: SshProfile,
  command: string,
): Promise<void> {
  const d = decideLine(command, profile.rules, profile.defaultAction);
  const audit = ctx.session.audit.bind(ctx.session);
  const target = ctx.session.assetName;
  const denied = (reason: string): never => {
    audit({
      action: 'ssh.command_deny',
      target,
      outcome: 'denied',
      details: { mode: 'interactive', kind: 'exec', command, reason },
    });
    throw new AirlockError('access_denied', 'ssh.command_denied', `command refused: ${reason}`);
  };
  // `sh -c` runs the lines before a syntax error: an incomplete command is refused whole.
  const open = readShell(command).open[0];
  if (open !== undefined) denied(`the command leaves a ${open} open`);
  switch (d.action) {
    case 'allow':
      return;
    case 'alert':
      audit({
        action: 'ssh.command_alert',
        target,
        outcome: 'success',
        details: { kind: 'exec', command, rule: d.rule },
      });
      return;
    case 'deny':
      return denied(d.reason);
    case 'review': {
      ctx.notice(`waiting for an OT owner to approve this command (${d.reason})...`);
      const v = await ctx.review(command, d.reason, profile.reviewTimeoutSeconds * 1000);
      audit({
        action: 'ssh.command_review',
        target,
        outcome: v.decision === 'allow' ? 'success' : 'denied',
        details: {
          kind: 'exec',
          command,
          decision: v.decision,
          reviewer: v.reviewer ?? null,
          comment: v.comment ?? null,
        },
      });
      if (v.decision !== 'allow')
        denied(
          v.reviewer === undefined
            ? 'no OT owner approved it'
            : `refused by ${v.reviewer}: ${v.comment ?? ''}`,
        );
      return;
    }
    default: {
      const never: never = d.action;
      return never;
    }
  }
}

/** Asks an OT owner; denies after `timeoutMs` (session clock), on failure, or without a reviewer. */
export function askReview(
  session: BrokerSession,
  ask: RequestReview | undefined,
  line: string | null,
  why: string,
  timeoutMs: number,
): Promise<ReviewVerdict> {
  const deny: ReviewVerdict = { decision: 'deny' };
  if (ask === undefined) return Promise.resolve(deny);
  return new Promise((resolve) => {
    const timer = session.clock.setTimeout(() => resolve(deny), timeoutMs);
    ask(session, line, why, timeoutMs).then(
      (v) => {
        timer.cancel();
        resolve(v);
      },
      () => {
        timer.cancel();
        resolve(deny);
      },
    );
  });
}
