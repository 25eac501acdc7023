/**
 * One connection's side of a portal confirmation (ssh-confirmations.ts): the link line for the
 * code prompt (a new link when the last one ran out), and what an empty answer (Enter) means:
 * confirmed, not yet (say so, prompt again), or too many tries. It holds at most one open link and
 * drops it when the connection moves on or ends. Not here: logging in on the confirmed key (the
 * authenticator runs the account checks and the fresh-key login).
 */
import type { Logger } from '../../../shared/src/log.js';
import type { SshConfirmations } from './ssh-confirmations.js';
import { durationText } from './ssh-fresh-logins.js';

/** Empty answers while a link is not yet confirmed, before the connection is closed. */
const MAX_WAITS = 20;

export interface ConfirmPromptDeps {
  readonly confirmations: SshConfirmations;
  /** The portal's base URL (`https://host:port`). */
  readonly portalUrl: () => string;
  readonly log: Logger;
}

export type EnterOutcome =
  | { readonly kind: 'confirmed' }
  | { readonly kind: 'wait'; readonly message: string }
  | { readonly kind: 'give-up' };

export class SshConfirmPrompt {
  private code: string | undefined;
  private waits = 0;
  /** Why the last link did not log in (the audit at close). */
  private lastReason: 'not-confirmed' | 'confirmation-expired' | undefined;

  constructor(
    private readonly deps: ConfirmPromptDeps,
    private readonly source: string,
  ) {}

  /** Whether a link is open, so an empty answer asks about it. */
  get isOpen(): boolean {
    return this.code !== undefined;
  }

  get reason(): 'not-confirmed' | 'confirmation-expired' | undefined {
    return this.lastReason;
  }

  /** The instructions line with this connection's link (undefined when none can be issued). */
  line(req: Parameters<SshConfirmations['issue']>[0]): string | undefined {
    const c = this.deps.confirmations;
    if (this.code === undefined) {
      const issued = c.issue(req);
      if (issued === undefined) return undefined;
      this.code = issued.code;
    }
    return `Or confirm this login in the portal, then press Enter here (no code): ${this.deps.portalUrl()}/ssh/confirm/${this.code} (key ${req.keyFingerprint}, from ${this.source}; valid ${durationText(c.ttlMs)}, once).`;
  }

  /** The operator pressed Enter: a confirmed link is used up by this. */
  enter(): EnterOutcome {
    if (this.code === undefined) return { kind: 'wait', message: '' };
    const state = this.deps.confirmations.take(this.code);
    switch (state) {
      case 'confirmed':
        this.code = undefined;
        return { kind: 'confirmed' };
      case 'pending':
        this.lastReason = 'not-confirmed';
        if (++this.waits > MAX_WAITS) return { kind: 'give-up' };
        return {
          kind: 'wait',
          message:
            'Not confirmed yet: open the link below in the portal and confirm, then press Enter (or enter the code).',
        };
      case 'expired':
        this.code = undefined;
        this.lastReason = 'confirmation-expired';
        return {
          kind: 'wait',
          message:
            'The portal link expired before it was confirmed. Enter the code, or confirm the new link below.',
        };
      default: {
        const never: never = state;
        return never;
      }
    }
  }

  /** The connection moved on (a code was entered) or ended: its link goes. */
  drop(): void {
    if (this.code === undefined) return;
    const code = this.code;
    this.code = undefined;
    try {
      this.deps.confirmations.drop(code);
    } catch (e) {
      this.deps.log.error('could not audit an SSH portal link', { err: e, source: this.source });
    }
  }
}
