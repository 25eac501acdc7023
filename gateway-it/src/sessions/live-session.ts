/**
 * One live operator session as the IT gateway sees it: who, where, how and since when, the data
 * connection to the site (`stream`, the same `SessionStream` the OT broker holds), and an output
 * tap for live supervision.
 *
 * The tap is fed by the relay that owns the operator's side (the SSH endpoint, the web terminal):
 * it calls `publishOutput` with each chunk it passes on to the operator, so watchers see exactly
 * what the operator saw, and a session nobody watches costs one size check per chunk. A watcher
 * that throws is dropped; it never disturbs the relay. The tap keeps no history: a watcher sees
 * output from the moment it subscribes (the recording, on the OT side, has the rest).
 *
 * Ending: `end(reason)` closes the data connection (the OT broker then closes the target side);
 * end listeners run exactly once, whichever side ended it, with the reason.
 */
import type { Protocol } from '../../../shared/src/model/session-ticket.js';
import type { SessionId, UserId } from '../../../shared/src/ids.js';
import type { TicketChannel } from '../access/access.js';
import type { SessionStream } from '../sites/sites.js';

/** Which operator-facing path opened the session. */
export const SESSION_VIAS = ['ssh', 'web'] as const;
export type SessionVia = (typeof SESSION_VIAS)[number];

export interface LiveSessionInfo {
  readonly id: SessionId;
  readonly userId: UserId;
  readonly userName: string;
  readonly site: string;
  readonly asset: string;
  readonly protocol: Protocol;
  readonly channel: TicketChannel;
  readonly grantId: string;
  readonly profile: string;
  readonly breakGlass: boolean;
  /** Epoch ms when the site accepted the session. */
  readonly startedAt: number;
  /** When the grant ends (the OT gateway ends the session then by its own clock). */
  readonly notAfter: number;
  /** Where the operator connects from (`ip:port`), for audit and display. */
  readonly source: string | null;
  readonly via: SessionVia;
}

export type OutputListener = (chunk: Buffer) => void;
export type Unsubscribe = () => void;

export class LiveSession {
  readonly info: LiveSessionInfo;
  readonly stream: SessionStream;
  private readonly watchers = new Set<OutputListener>();
  private readonly endListeners: ((reason: string) => void)[] = [];
  private endedReason: string | undefined;

  constructor(info: LiveSessionInfo, stream: SessionStream) {
    this.info = info;
    this.stream = stream;
    stream.onClose((reason) => this.finish(reason));
  }

  get id(): SessionId {
    return this.info.id;
  }

  get isEnded(): boolean {
    return this.endedReason !== undefined;
  }

  /** The reason the session ended, once it has. */
  get endReason(): string | undefined {
    return this.endedReason;
  }

  /** Called by the relay with each chunk of output it hands to the operator. */
  publishOutput(chunk: Buffer): void {
    if (this.watchers.size === 0) return;
    for (const w of this.watchers) {
      try {
        w(chunk);
      } catch {
        this.watchers.delete(w);
      }
    }
  }

  /** Subscribes to the operator's output from now on; call the result to stop. */
  watchOutput(listener: OutputListener): Unsubscribe {
    if (this.isEnded) return () => undefined;
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** Runs once when the session ended (at once if it already has). */
  onEnd(listener: (reason: string) => void): void {
    if (this.endedReason !== undefined) listener(this.endedReason);
    else this.endListeners.push(listener);
  }

  /** Ends the session with a reason the OT side and the operator's relay receive; idempotent. */
  end(reason: string): void {
    this.stream.close(reason);
  }

  private finish(reason: string): void {
    if (this.endedReason !== undefined) return;
    this.endedReason = reason;
    this.watchers.clear();
    for (const l of this.endListeners.splice(0)) l(reason);
  }
}
