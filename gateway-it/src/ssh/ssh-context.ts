/**
 * What the handlers of one authenticated SSH connection share: who it is, from where, the
 * services they use, and the one place SSH refusals are turned into text for the operator and
 * audited.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { isAirlockError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/log.js';
import type { OperatorSessions } from '../sessions/sessions.js';
import type { SshIdentity } from './ssh-authenticator.js';
import type { SshFreshLogins } from './ssh-fresh-logins.js';
import type { SshTargetDeps } from './ssh-targets.js';

export interface SshServices {
  readonly sessions: OperatorSessions;
  readonly targets: SshTargetDeps;
  readonly audit: AuditLog;
  /** Fresh SSH keys: a site's own, shorter period is checked when a session or forward opens. */
  readonly fresh: SshFreshLogins;
  readonly clock: Clock;
  readonly log: Logger;
  /** How operators reach this endpoint, for the hints the menu prints (`host -p port`). */
  readonly hintHost: string;
  /** How long the target menu waits for a choice. */
  readonly menuIdleMs: number;
}

export interface SshConnectionContext {
  readonly identity: SshIdentity;
  /** `ip:port` of the client. */
  readonly source: string;
  readonly services: SshServices;
  /** Refused connection-level requests (remote forwarding...), flushed when a session begins and at close. */
  readonly refusals: { flush(): void };
}

/** The operator-facing text of a refusal; internal errors never show their cause. */
export function refusalText(e: unknown): string {
  return isAirlockError(e) && e.kind !== 'internal' ? e.message : 'internal error';
}

export function refusalCode(e: unknown): string {
  return isAirlockError(e) ? e.code : 'internal';
}

/**
 * Audits refused SSH requests (agent, X11, env, remote forwarding, unknown subsystem...); called
 * through RequestRefusals (ssh-refusals.ts), which aggregates them.
 */
export function auditRequestDeny(
  ctx: SshConnectionContext,
  request: string,
  details: Record<string, unknown> = {},
): void {
  try {
    ctx.services.audit.append({
      action: 'ssh.request_deny',
      actor: ctx.identity.user.name,
      target: ctx.identity.name.target?.asset ?? null,
      outcome: 'denied',
      details: { request, source: ctx.source, ...details },
    });
  } catch (e) {
    ctx.services.log.error('could not audit a refused SSH request', { request, err: e });
  }
}
