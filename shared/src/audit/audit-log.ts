/**
 * The append-only, hash-chained audit log both gateways keep (SQLite, schema in
 * audit-migrations.ts). Guarantees:
 *  - `append` returns only after the event is committed with synchronous=FULL: an acknowledged event
 *    survives a crash or power loss. If it throws (disk full, I/O error), nothing was recorded and the
 *    caller must not carry out the action ("no audit, no action").
 *  - Each event carries the hash of the one before; the chain head is signed with the gateway's
 *    Ed25519 key every `checkpointEvery` events, every `checkpointIntervalMs` if the head moved, and
 *    on close.
 *  - Only actions listed in the catalogue are accepted.
 * Not guaranteed here: that nobody with write access to the file rewrites it. That is what
 * `verify` and independent copies (the IT gateway's ingest, exports) are for.
 */
import { AirlockError } from '../errors.js';
import type { Clock, TimerHandle } from '../clock.js';
import type { IdGenerator } from '../ids.js';
import type { Db } from '../store/open-database.js';
import { canonicalJson } from '../crypto/canonical.js';
import { toBase64Url } from '../crypto/encoding.js';
import { signObject, type SigningKeyPair } from '../crypto/signing.js';
import { isAuditAction } from './catalogue.js';
import {
  checkpointSigningInput,
  computeEventHash,
  GENESIS_HASH,
  type AuditEvent,
  type AuditEventInput,
  type AuditOutcome,
  type Checkpoint,
} from './audit-event.js';
import { verifyChain, type ChainVerification } from './verify-chain.js';
import { omitUndefined } from '../omit-undefined.js';
import { writeTransaction } from '../store/write-transaction.js';

export interface AuditLogOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly signingKey: SigningKeyPair;
  readonly checkpointEvery?: number;
  readonly checkpointIntervalMs?: number;
}

export interface AuditQuery {
  readonly fromSeq?: number;
  readonly toSeq?: number;
  readonly fromTime?: number;
  readonly toTime?: number;
}

interface EventRow {
  seq: number;
  id: string;
  time: number;
  actor: string;
  action: string;
  site: string | null;
  target: string | null;
  outcome: string;
  details: string;
  prev_hash: string;
  hash: string;
}

interface CheckpointRow {
  seq: number;
  hash: string;
  time: number;
  signature: string;
  public_key: string;
}

export function rowToEvent(r: EventRow): AuditEvent {
  return {
    seq: r.seq,
    id: r.id,
    time: r.time,
    actor: r.actor,
    action: r.action,
    site: r.site,
    target: r.target,
    outcome: r.outcome as AuditOutcome,
    details: JSON.parse(r.details) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export function rowToCheckpoint(r: CheckpointRow): Checkpoint {
  return {
    seq: r.seq,
    hash: r.hash,
    time: r.time,
    signature: r.signature,
    publicKey: r.public_key,
  };
}

export type AuditListener = (events: readonly AuditEvent[]) => void;

export class AuditLog {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly ids: IdGenerator;
  private readonly key: SigningKeyPair;
  private readonly every: number;
  private readonly listeners = new Set<AuditListener>();
  private readonly timer: TimerHandle | undefined;
  private sinceCheckpoint = 0;
  private closed = false;
  private commitCount = 0;
  private readonly queued: {
    input: AuditEventInput;
    resolve: (e: AuditEvent) => void;
    reject: (e: unknown) => void;
  }[] = [];

  private readonly stmts;
  // Built once (append is the hot path): only BEGIN IMMEDIATE and COMMIT run per call.
  private readonly appendTx: (inputs: readonly AuditEventInput[]) => AuditEvent[];
  private readonly checkpointTx: () => Checkpoint | undefined;

  constructor(options: AuditLogOptions) {
    this.db = options.db;
    this.clock = options.clock;
    this.ids = options.ids;
    this.key = options.signingKey;
    this.every = Math.max(1, options.checkpointEvery ?? 256);
    this.stmts = {
      head: this.db.prepare<[], { seq: number; hash: string }>(
        'SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1',
      ),
      insert: this.db.prepare(
        'INSERT INTO audit_events (seq, id, time, actor, action, site, target, outcome, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      lastCheckpoint: this.db.prepare<[], { seq: number }>(
        'SELECT seq FROM audit_checkpoints ORDER BY seq DESC LIMIT 1',
      ),
      insertCheckpoint: this.db.prepare(
        'INSERT INTO audit_checkpoints (seq, hash, time, signature, public_key) VALUES (?, ?, ?, ?, ?)',
      ),
      range: this.db.prepare<[number, number, number, number], EventRow>(
        'SELECT * FROM audit_events WHERE seq >= ? AND seq <= ? AND time >= ? AND time <= ? ORDER BY seq',
      ),
      one: this.db.prepare<[number], EventRow>('SELECT * FROM audit_events WHERE seq = ?'),
      checkpoints: this.db.prepare<[], CheckpointRow>(
        'SELECT * FROM audit_checkpoints ORDER BY seq',
      ),
      checkpointsBetween: this.db.prepare<[number, number], CheckpointRow>(
        'SELECT * FROM audit_checkpoints WHERE seq >= ? AND seq <= ? ORDER BY seq',
      ),
    };
    this.appendTx = writeTransaction(this.db, (inputs: readonly AuditEventInput[]) =>
      this.writeEvents(inputs),
    );
    this.checkpointTx = writeTransaction(this.db, () => this.signUnsignedHead());
    const head = this.head();
    const last = this.stmts.lastCheckpoint.get();
    this.sinceCheckpoint = head.seq - (last?.seq ?? 0);
    const interval = options.checkpointIntervalMs ?? 60_000;
    this.timer =
      interval > 0 ? this.clock.setInterval(() => this.checkpointIfMoved(), interval) : undefined;
  }

  /** Records one event durably and returns it; throws (and records nothing) on any failure. */
  append(input: AuditEventInput): AuditEvent {
    const [event] = this.appendMany([input]);
    if (event === undefined)
      throw new AirlockError('internal', 'audit.append_failed', 'audit append produced no event');
    return event;
  }

  /**
   * Group commit: records the event in the next transaction shared with every other event queued in
   * the same turn of the event loop, and resolves once that transaction is durable (rejects, and
   * records nothing of the group, if it fails). For concurrent callers that each must not proceed
   * before their event is on disk: one fsync serves them all, where `append` pays one each.
   */
  appendDurable(input: AuditEventInput): Promise<AuditEvent> {
    if (this.closed)
      return Promise.reject(new AirlockError('unavailable', 'audit.closed', 'audit log is closed'));
    if (!isAuditAction(input.action))
      return Promise.reject(
        new AirlockError(
          'internal',
          'audit.unknown_action',
          `audit action ${input.action} is not in the catalogue`,
        ),
      );
    return new Promise((resolve, reject) => {
      this.queued.push({ input, resolve, reject });
      if (this.queued.length === 1) setImmediate(() => this.commitQueued());
    });
  }

  /** Transactions committed by this instance (a group commit counts once). */
  get commits(): number {
    return this.commitCount;
  }

  private commitQueued(): void {
    const group = this.queued.splice(0);
    if (group.length === 0) return;
    let events: AuditEvent[];
    try {
      events = this.appendMany(group.map((q) => q.input));
    } catch (e) {
      for (const q of group) q.reject(e);
      return;
    }
    group.forEach((q, i) => {
      const ev = events[i];
      if (ev === undefined) q.reject(new AirlockError('internal', 'audit.append_failed', 'lost'));
      else q.resolve(ev);
    });
  }

  /** Records several events in one transaction: all or none. */
  appendMany(inputs: readonly AuditEventInput[]): AuditEvent[] {
    if (this.closed) throw new AirlockError('unavailable', 'audit.closed', 'audit log is closed');
    for (const input of inputs) {
      if (!isAuditAction(input.action))
        throw new AirlockError(
          'internal',
          'audit.unknown_action',
          `audit action ${input.action} is not in the catalogue`,
        );
    }
    const written = this.appendTx(inputs);
    this.commitCount++;
    for (const l of this.listeners) {
      try {
        l(written);
      } catch {
        // A listener (outbox, SIEM) must not undo or block a committed event.
      }
    }
    return written;
  }

  head(): { seq: number; hash: string } {
    return this.stmts.head.get() ?? { seq: 0, hash: GENESIS_HASH };
  }

  /** The body of appendMany's transaction: chains and inserts the events after the current head. */
  private writeEvents(inputs: readonly AuditEventInput[]): AuditEvent[] {
    let { seq, hash } = this.head();
    const out: AuditEvent[] = [];
    for (const input of inputs) {
      // Details are encoded once: the stored text, the hashed text and (parsed back) the
      // returned value all come from the same canonical string (profiled: encoding was the
      // largest per-event cost).
      const detailsJson = canonicalJson(input.details ?? {});
      const base = {
        seq: seq + 1,
        id: this.ids.next('evt'),
        time: this.clock.now(),
        actor: input.actor,
        action: input.action,
        site: input.site ?? null,
        target: input.target ?? null,
        outcome: input.outcome,
        details: JSON.parse(detailsJson) as Record<string, unknown>,
        prevHash: hash,
      };
      const event: AuditEvent = { ...base, hash: computeEventHash(base, detailsJson) };
      this.stmts.insert.run(
        event.seq,
        event.id,
        event.time,
        event.actor,
        event.action,
        event.site,
        event.target,
        event.outcome,
        detailsJson,
        event.prevHash,
        event.hash,
      );
      out.push(event);
      seq = event.seq;
      hash = event.hash;
    }
    this.sinceCheckpoint += out.length;
    if (this.sinceCheckpoint >= this.every) this.writeCheckpoint(seq, hash);
    return out;
  }

  private signUnsignedHead(): Checkpoint | undefined {
    const h = this.head();
    const last = this.stmts.lastCheckpoint.get();
    if (h.seq === 0 || last?.seq === h.seq) return undefined;
    return this.writeCheckpoint(h.seq, h.hash);
  }

  /** Signs the current head now (no-op when it is already signed or the log is empty). */
  checkpoint(): Checkpoint | undefined {
    return this.checkpointTx();
  }

  get(seq: number): AuditEvent | undefined {
    const r = this.stmts.one.get(seq);
    return r === undefined ? undefined : rowToEvent(r);
  }

  /** Streams events in sequence order; the iterator holds a read snapshot, so finish or close it. */
  *iterate(q: AuditQuery = {}): IterableIterator<AuditEvent> {
    for (const r of this.stmts.range.iterate(
      q.fromSeq ?? 0,
      q.toSeq ?? Number.MAX_SAFE_INTEGER,
      q.fromTime ?? 0,
      q.toTime ?? Number.MAX_SAFE_INTEGER,
    )) {
      yield rowToEvent(r);
    }
  }

  checkpoints(): Checkpoint[] {
    return this.stmts.checkpoints.all().map(rowToCheckpoint);
  }

  /** Checkpoints with fromSeq <= seq <= toSeq (what an outbox ships beside a batch of events). */
  checkpointsBetween(fromSeq: number, toSeq: number): Checkpoint[] {
    return this.stmts.checkpointsBetween.all(fromSeq, toSeq).map(rowToCheckpoint);
  }

  verify(
    publicKey: Uint8Array = this.key.publicKey,
    expectedHead?: { seq: number; hash: string },
  ): ChainVerification {
    return verifyChain(this.iterate(), this.checkpoints(), {
      publicKey,
      ...omitUndefined({ expectedHead }),
    });
  }

  /** Called after each committed append with the new events (for the outbox and SIEM forwarders). */
  onAppend(listener: AuditListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (this.closed) return;
    this.timer?.cancel();
    try {
      this.checkpoint();
    } finally {
      this.closed = true;
    }
  }

  private checkpointIfMoved(): void {
    if (this.closed || this.sinceCheckpoint === 0) return;
    try {
      this.checkpoint();
    } catch {
      // Retried at the next interval or append; a missed checkpoint weakens nothing already signed.
    }
  }

  private writeCheckpoint(seq: number, hash: string): Checkpoint {
    const time = this.clock.now();
    const signature = toBase64Url(
      signObject(checkpointSigningInput({ seq, hash, time }), this.key.secretKey),
    );
    const publicKey = toBase64Url(this.key.publicKey);
    this.stmts.insertCheckpoint.run(seq, hash, time, signature, publicKey);
    this.sinceCheckpoint = 0;
    return { seq, hash, time, signature, publicKey };
  }
}
