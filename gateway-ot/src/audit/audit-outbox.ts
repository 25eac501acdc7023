/**
 * Store-and-forward, OT end. The gateway's own audit log is the outbox: events are never copied or
 * deleted to be shipped, so an outage of any length loses nothing and the gateway keeps working.
 * The outbox only keeps a cursor: the highest sequence number the IT gateway acknowledged, with its
 * hash (persisted). Shipping is ordered and one batch at a time: the next batch is the events after
 * the cursor (at most MAX_AUDIT_BATCH_EVENTS, about AUDIT_BATCH_TARGET_BYTES) plus the signed
 * checkpoints from the cursor to the batch's last event, so the IT side can verify the chain from
 * the head it holds. A batch whose acknowledgement is lost is simply sent again after reconnecting;
 * the IT side recognises what it already holds.
 *
 * At each connection the IT side says which head it holds; the cursor moves there if that head is
 * in this chain (same hash at that seq). If it is not (the IT side holds a chain this gateway never
 * wrote), shipping stops until an operator looks: that is reported, never papered over.
 *
 * Recordings (a later issue) follow the same pattern: a durable local file is the outbox, a cursor
 * of acknowledged chunks per recording is the only extra state, and chunk/ack messages flow beside
 * the audit batches.
 */
import { z } from 'zod';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import type { Clock } from '../../../shared/src/clock.js';
import {
  AUDIT_BATCH_TARGET_BYTES,
  MAX_AUDIT_BATCH_EVENTS,
  type AuditBatch,
  type ChainHead,
} from '../../../shared/src/link/control-messages.js';
import type { GatewayStateStore } from '../store/store.js';

const cursorSchema = z.strictObject({ seq: z.number().int().nonnegative(), hash: z.string() });
const CURSOR_KEY = 'outbox.audit';

export type ResumeOutcome =
  { readonly ok: true; readonly cursor: number } | { readonly ok: false; readonly reason: string };

export class AuditOutbox {
  private cursor: number;

  constructor(private readonly deps: { audit: AuditLog; state: GatewayStateStore; clock: Clock }) {
    this.cursor = deps.state.get(CURSOR_KEY, cursorSchema)?.seq ?? 0;
  }

  /** The highest acknowledged sequence number. */
  get acknowledged(): number {
    return this.cursor;
  }

  /** How many events wait to be acknowledged. */
  get pending(): number {
    return Math.max(0, this.deps.audit.head().seq - this.cursor);
  }

  /** Aligns the cursor with the head the IT side says it holds. */
  resume(itHead: ChainHead): ResumeOutcome {
    if (itHead.seq === 0) {
      this.setCursor(0, '');
      return { ok: true, cursor: 0 };
    }
    const local = this.deps.audit.get(itHead.seq);
    if (local === undefined)
      return {
        ok: false,
        reason: `the IT gateway holds event ${itHead.seq} but this gateway's log ends at ${this.deps.audit.head().seq}`,
      };
    if (local.hash !== itHead.hash)
      return {
        ok: false,
        reason: `the IT gateway's copy of event ${itHead.seq} differs from this gateway's log`,
      };
    this.setCursor(itHead.seq, local.hash);
    return { ok: true, cursor: itHead.seq };
  }

  /** The next batch after the cursor, or undefined when everything is acknowledged. */
  nextBatch(): AuditBatch | undefined {
    const events: AuditEvent[] = [];
    let bytes = 0;
    for (const e of this.deps.audit.iterate({ fromSeq: this.cursor + 1 })) {
      const size = JSON.stringify(e).length;
      if (
        events.length > 0 &&
        (events.length >= MAX_AUDIT_BATCH_EVENTS || bytes + size > AUDIT_BATCH_TARGET_BYTES)
      )
        break;
      events.push(e);
      bytes += size;
    }
    const last = events.at(-1);
    if (last === undefined) return undefined;
    return {
      type: 'audit.batch',
      events,
      checkpoints: this.deps.audit.checkpointsBetween(this.cursor, last.seq),
    };
  }

  /** Records the IT side's acknowledgement; false (and no change) if it names an event not in this chain. */
  acknowledge(seq: number, hash: string): boolean {
    if (seq <= this.cursor) return true;
    const local = this.deps.audit.get(seq);
    if (local === undefined || local.hash !== hash) return false;
    this.setCursor(seq, hash);
    return true;
  }

  private setCursor(seq: number, hash: string): void {
    this.cursor = seq;
    this.deps.state.put(CURSOR_KEY, { seq, hash }, this.deps.clock.now());
  }
}
