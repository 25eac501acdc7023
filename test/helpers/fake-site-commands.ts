/** A SiteCommands that records what the access services asked of sites (the link is not needed). */
import type { SessionStream, SiteCommands } from '../../gateway-it/src/sites/sites.js';
import type { SignedTicket } from '../../shared/src/model/session-ticket.js';
import type {
  CommandResult,
  ReviewDecisionMessage,
} from '../../shared/src/link/control-messages.js';

export type SiteCommandCall =
  | {
      readonly command: 'setLockdown';
      readonly site: string;
      readonly on: boolean;
      readonly reason: string;
    }
  | {
      readonly command: 'endGrantSessions';
      readonly site: string;
      readonly grantId: string;
      readonly reason: string;
    }
  | {
      readonly command: 'endSession';
      readonly site: string;
      readonly sessionId: string;
      readonly reason: string;
    }
  | { readonly command: 'openSession'; readonly site: string; readonly ticket: SignedTicket }
  | {
      readonly command: 'relayOwnerEnrollment';
      readonly site: string;
      readonly owner: string;
      readonly registration: string;
    }
  | {
      readonly command: 'sendReviewDecision';
      readonly site: string;
      readonly decision: ReviewDecisionMessage;
    };

export class RecordingSiteCommands implements SiteCommands {
  readonly calls: SiteCommandCall[] = [];
  /** What the fake answers: whether the (imaginary) site confirmed the command. */
  delivered = true;
  /** How openSession answers (after recording the call); by default it refuses as an offline site would. */
  opener: ((site: string, ticket: SignedTicket) => Promise<SessionStream>) | undefined;

  async setLockdown(site: string, on: boolean, reason: string): Promise<boolean> {
    this.calls.push({ command: 'setLockdown', site, on, reason });
    return this.delivered;
  }

  async endGrantSessions(site: string, grantId: string, reason: string): Promise<boolean> {
    this.calls.push({ command: 'endGrantSessions', site, grantId, reason });
    return this.delivered;
  }

  async endSession(site: string, sessionId: string, reason: string): Promise<boolean> {
    this.calls.push({ command: 'endSession', site, sessionId, reason });
    return this.delivered;
  }

  async openSession(site: string, ticket: SignedTicket): Promise<SessionStream> {
    this.calls.push({ command: 'openSession', site, ticket });
    if (this.opener !== undefined) return this.opener(site, ticket);
    throw new Error('the recording fake opens no sessions');
  }

  async relayOwnerEnrollment(
    site: string,
    owner: string,
    registration: string,
  ): Promise<CommandResult | undefined> {
    this.calls.push({ command: 'relayOwnerEnrollment', site, owner, registration });
    return this.delivered ? { type: 'result', id: 0, ok: true } : undefined;
  }

  sendReviewDecision(site: string, decision: ReviewDecisionMessage): boolean {
    this.calls.push({ command: 'sendReviewDecision', site, decision });
    return this.delivered;
  }

  of<C extends SiteCommandCall['command']>(command: C): Extract<SiteCommandCall, { command: C }>[] {
    return this.calls.filter(
      (c): c is Extract<SiteCommandCall, { command: C }> => c.command === command,
    );
  }
}
