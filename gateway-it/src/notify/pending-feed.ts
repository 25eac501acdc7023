/**
 * What waits for a person, as counts (requests to decide, command lines to review, playbacks to
 * approve), and a signal when it may have changed, for the portal's live header (server-sent
 * events). The signal is derived from audited actions that change what waits (a request created or
 * decided, a review held or closed, a playback requested or decided), after their transaction
 * committed; listeners then recount. It carries no content: a page asks again, as its user.
 */
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';

export interface PendingCounts {
  readonly requests: number;
  readonly reviews: number;
  readonly playbacks: number;
}

const CHANGES: ReadonlySet<string> = new Set([
  'request.create',
  'request.approve',
  'request.deny',
  'request.cancel',
  'request.expire',
  'review.request',
  'review.decide',
  'review.close',
  'recording.play_request',
  'recording.play_approve',
]);

export class PendingFeed {
  private readonly listeners = new Set<() => void>();
  private queued = false;

  /** Subscribes to "something that waits may have changed"; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Audit listener: signals once per batch, after the writer's transaction has committed. */
  observe(events: readonly AuditEvent[]): void {
    if (this.queued || !events.some((e) => CHANGES.has(e.action))) return;
    this.queued = true;
    setImmediate(() => {
      this.queued = false;
      for (const l of this.listeners) {
        try {
          l();
        } catch {
          // One broken stream must not stop the others.
        }
      }
    });
  }
}
