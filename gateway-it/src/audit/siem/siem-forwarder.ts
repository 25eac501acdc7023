/**
 * Live forwarding of audit events to a SIEM's syslog collector: the IT gateway's own log (stream
 * `it`) and every site's ingested OT log (streams `ot:<site>:<gateway id>`, through SiteEventSource).
 *
 * Buffering: none of its own. The audit tables are the buffer and `siem_cursors` holds, per stream,
 * the last event the collector confirmed. While the collector is down, events simply stay behind
 * the cursor; when it is back they are sent from the cursor, in seq order per stream.
 *
 * Delivery: events go in sessions (syslog-session.ts); a cursor moves only after the collector
 * confirmed a session by closing after our end-of-stream, in one transaction for all streams of the
 * session. An unconfirmed session is sent again from the old cursors. So: no event is skipped, every
 * stream arrives in order, and an event is delivered more than once only when a session was
 * interrupted after the collector had read part of it (each message carries log, seq and hash in its
 * structured data, so duplicates are recognisable). Ordering across streams is not defined.
 * A failure is audited once per outage (`audit.forward_fail`), not on every retry.
 */
import type { AuditEvent } from '../../../../shared/src/audit/audit-event.js';
import type { AuditLog } from '../../../../shared/src/audit/audit-log.js';
import type { Clock, TimerHandle } from '../../../../shared/src/clock.js';
import type { Logger } from '../../../../shared/src/log.js';
import type { Db } from '../../../../shared/src/store/open-database.js';
import type { AuditLogName } from '../../../../shared/src/export/event-formats.js';
import type { AuditChain, SiteEventSource } from '../audit-chain.js';
import { deliverSession, tlsOptions, type SyslogTarget } from './syslog-session.js';
import { octetFrame, syslogMessage, type SyslogOptions } from './syslog-message.js';
import type { ConnectionOptions } from 'node:tls';
import { omitUndefined } from '../../../../shared/src/omit-undefined.js';
import { writeTransaction } from '../../../../shared/src/store/write-transaction.js';

export interface SiemForwarderOptions {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly itChain: AuditChain;
  readonly siteEvents: SiteEventSource;
  readonly clock: Clock;
  readonly log: Logger;
  readonly target: SyslogTarget;
  readonly syslog: SyslogOptions;
  readonly forward: { readonly it: boolean; readonly ot: boolean };
  readonly startAt: 'beginning' | 'now';
  readonly batchEvents: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  readonly pollMs: number;
}

interface Stream {
  readonly name: string;
  readonly log: AuditLogName;
  readonly chain: AuditChain;
}

interface Cursor {
  seq: number;
  hash: string;
}

export interface SiemStatus {
  readonly running: boolean;
  /** Whether the last session was confirmed (false while the collector is unreachable). */
  readonly healthy: boolean;
  readonly lastError?: string;
  readonly delivered: number;
  readonly sessions: number;
  readonly streams: readonly {
    readonly stream: string;
    readonly cursor: number;
    readonly head: number;
    readonly held: boolean;
  }[];
}

export class SiemForwarder {
  private readonly o: SiemForwarderOptions;
  private readonly tls: ConnectionOptions;
  private readonly stmts;
  private timer: TimerHandle | undefined;
  private poll: TimerHandle | undefined;
  private unsubscribe: (() => void) | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private healthy = true;
  private failures = 0;
  private lastError: string | undefined;
  private delivered = 0;
  private sessions = 0;
  /** Streams whose chain no longer continues from the cursor: reported once, then skipped. */
  private readonly held = new Set<string>();

  constructor(o: SiemForwarderOptions) {
    this.o = o;
    this.tls = tlsOptions(o.target);
    this.stmts = {
      get: o.db.prepare<[string], Cursor>('SELECT seq, hash FROM siem_cursors WHERE stream = ?'),
      put: o.db.prepare(
        'INSERT INTO siem_cursors (stream, seq, hash, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, updated_at = excluded.updated_at',
      ),
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.o.audit.onAppend(() => this.kick());
    this.poll = this.o.clock.setInterval(() => this.kick(), this.o.pollMs);
    this.kick();
  }

  /** Stops forwarding; an unconfirmed session in flight is abandoned (its events are sent again next time). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.poll?.cancel();
    this.timer?.cancel();
    this.timer = undefined;
    await this.pumping;
  }

  status(): SiemStatus {
    return {
      running: !this.stopped,
      healthy: this.healthy,
      ...omitUndefined({ lastError: this.lastError }),
      delivered: this.delivered,
      sessions: this.sessions,
      streams: this.streams().map((s) => ({
        stream: s.name,
        cursor: this.cursor(s).seq,
        head: s.chain.head().seq,
        held: this.held.has(s.name),
      })),
    };
  }

  /** Looks for undelivered events now (called on every IT append and on the poll interval). */
  kick(): void {
    if (this.stopped || this.timer !== undefined) return; // a retry is scheduled: the backoff decides
    if (this.pumping !== undefined) {
      this.again = true;
      return;
    }
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.again && this.timer === undefined) {
        this.again = false;
        this.kick();
      }
    });
  }

  private streams(): Stream[] {
    const out: Stream[] = [];
    if (this.o.forward.it) out.push({ name: 'it', log: 'it', chain: this.o.itChain });
    if (this.o.forward.ot) {
      for (const site of this.o.siteEvents.sites()) {
        const chain = this.o.siteEvents.otChain(site);
        // A re-enrolled site's new gateway starts a new chain: a new stream, with its own cursor.
        if (chain !== undefined)
          out.push({
            name: chain.id === undefined ? `ot:${site}` : `ot:${site}:${chain.id}`,
            log: 'ot',
            chain,
          });
      }
    }
    return out;
  }

  private cursor(s: Stream): Cursor {
    const saved = this.stmts.get.get(s.name);
    if (saved !== undefined) return saved;
    const start = this.o.startAt === 'now' ? s.chain.head() : { seq: 0, hash: '' };
    this.stmts.put.run(s.name, start.seq, start.hash, this.o.clock.now());
    return { seq: start.seq, hash: start.hash };
  }

  private async pump(): Promise<void> {
    while (!this.stopped) {
      const batch: { stream: Stream; events: AuditEvent[]; cursor: Cursor }[] = [];
      let room = this.o.batchEvents;
      for (const s of this.streams()) {
        if (room === 0) break;
        if (this.held.has(s.name)) continue;
        const cursor = this.cursor(s);
        const head = s.chain.head().seq;
        if (head <= cursor.seq) continue;
        const events = [...s.chain.page(cursor.seq, head, room)];
        const first = events[0];
        if (first === undefined) continue;
        if (
          first.seq !== cursor.seq + 1 ||
          (cursor.seq > 0 && cursor.hash !== '' && first.prevHash !== cursor.hash)
        ) {
          this.hold(
            s,
            `stream ${s.name}: the event after the delivered cursor ${cursor.seq} does not continue the chain (the log was replaced?); forwarding of this stream is held until restart`,
          );
          continue;
        }
        batch.push({ stream: s, events, cursor });
        room -= events.length;
      }
      if (batch.length === 0) return;
      const frames = batch.flatMap((b) =>
        b.events.map((e) => octetFrame(syslogMessage(b.stream.log, e, this.o.syslog))),
      );
      const outcome = await deliverSession(this.tls, this.o.target.timeoutMs, frames);
      this.sessions++;
      if (!outcome.confirmed) {
        this.fail(outcome.reason);
        this.scheduleRetry();
        return;
      }
      const now = this.o.clock.now();
      writeTransaction(this.o.db, () => {
        for (const b of batch) {
          const last = b.events[b.events.length - 1];
          if (last !== undefined) this.stmts.put.run(b.stream.name, last.seq, last.hash, now);
        }
      })();
      this.delivered += frames.length;
      this.failures = 0;
      if (!this.healthy)
        this.o.log.info('SIEM collector reachable again; buffered events delivered', {
          host: this.o.target.host,
          port: this.o.target.port,
        });
      this.healthy = true;
      this.lastError = undefined;
    }
  }

  private hold(s: Stream, reason: string): void {
    this.held.add(s.name);
    this.lastError = reason;
    this.o.log.error('SIEM stream held', { stream: s.name, reason });
    try {
      this.o.audit.append({
        action: 'audit.forward_fail',
        actor: 'system:it',
        target: s.name,
        outcome: 'failure',
        details: { reason },
      });
    } catch {
      // The audit log itself is failing; the forwarder has nothing to add.
    }
  }

  private fail(reason: string): void {
    this.failures++;
    this.lastError = reason;
    if (!this.healthy) return;
    this.healthy = false;
    this.o.log.warn('SIEM forwarding failed; events stay buffered in the audit log', {
      host: this.o.target.host,
      port: this.o.target.port,
      reason,
    });
    try {
      this.o.audit.append({
        action: 'audit.forward_fail',
        actor: 'system:it',
        target: `${this.o.target.host}:${this.o.target.port}`,
        outcome: 'failure',
        details: { reason },
      });
    } catch {
      // The audit log itself is failing; the forwarder has nothing to add.
    }
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = Math.min(
      this.o.retryMaxMs,
      this.o.retryMinMs * 2 ** Math.min(this.failures - 1, 16),
    );
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, delay);
  }
}
