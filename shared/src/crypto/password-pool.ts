/**
 * argon2id off the event loop: a small pool of worker threads that hash and verify passwords (and
 * estimate a new password's strength, zxcvbn), so one login (about 120 ms of CPU) never freezes
 * the sessions the same loop relays.
 *
 * Guarantees: at most `workers` operations run at once and at most `maxQueued` wait; a task beyond
 * that is refused at once with `unavailable` / `auth.busy` (nothing queued, nothing computed), so
 * a flood costs the loop a refusal, not a stall. A worker that crashes fails its task (`internal`)
 * and is replaced for the next one. Passwords cross to the worker by message and are never logged
 * or put in an error. Idle workers do not keep the process alive (a CLI exits when done), busy
 * ones do (an awaited hash finishes). Not here: who may ask how often (the login service caps
 * pre-authentication work per source).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { AirlockError } from '../errors.js';
import type { StrengthEstimate } from './password-strength.js';

export type ToPasswordWorker =
  | { readonly id: number; readonly op: 'hash'; readonly password: string }
  | {
      readonly id: number;
      readonly op: 'strength';
      readonly password: string;
      readonly related: readonly string[];
    }
  | {
      readonly id: number;
      readonly op: 'verify';
      readonly encoded: string;
      readonly password: string;
    };

export type FromPasswordWorker =
  | { readonly id: number; readonly ok: true; readonly value: string | boolean | StrengthEstimate }
  | { readonly id: number; readonly ok: false };

export interface PasswordPoolOptions {
  /** Threads (each argon2id op holds 64 MiB while it runs). Default: cores - 1, at least 1, at most 4. */
  readonly workers?: number;
  /** Operations that may wait for a thread; one more is refused (`auth.busy`). */
  readonly maxQueued?: number;
  /** For tests: a worker that misbehaves. */
  readonly workerUrl?: URL;
}

export interface PasswordPoolStats {
  readonly running: number;
  readonly queued: number;
  readonly refused: number;
}

export interface PasswordPool {
  hash(password: string): Promise<string>;
  /** False for a wrong password or a malformed hash; never throws for those. */
  verify(encoded: string, password: string): Promise<boolean>;
  /** zxcvbn's estimate; `related` are words the password must not lean on (the user name). */
  strength(password: string, related: readonly string[]): Promise<StrengthEstimate>;
  /** Whether a new operation would be refused right now. */
  isFull(): boolean;
  stats(): PasswordPoolStats;
  /** Ends the threads; pending and later operations fail with `unavailable`. */
  close(): Promise<void>;
}

export const PASSWORD_WORKER_URL = new URL('./password-worker.js', import.meta.url);
export const DEFAULT_MAX_QUEUED = 32;

type PoolOp =
  | { readonly op: 'hash'; readonly password: string }
  | { readonly op: 'strength'; readonly password: string; readonly related: readonly string[] }
  | { readonly op: 'verify'; readonly encoded: string; readonly password: string };

type Task = {
  readonly message: ToPasswordWorker;
  readonly resolve: (v: string | boolean | StrengthEstimate) => void;
  readonly reject: (e: AirlockError) => void;
};

interface Slot {
  worker: Worker;
  task: Task | undefined;
}

export function defaultPasswordWorkers(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

export function createPasswordPool(options: PasswordPoolOptions = {}): PasswordPool {
  const size = options.workers ?? defaultPasswordWorkers();
  const maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
  const url = options.workerUrl ?? PASSWORD_WORKER_URL;
  if (!Number.isInteger(size) || size < 1) throw new RangeError('workers must be at least 1');
  if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new RangeError('maxQueued must be >= 0');
  const slots: (Slot | undefined)[] = Array.from({ length: size }, () => undefined);
  const queue: Task[] = [];
  let nextId = 1;
  let refused = 0;
  let closed = false;

  const closedError = (): AirlockError =>
    new AirlockError('unavailable', 'auth.closed', 'the gateway is shutting down');

  function spawn(index: number): Slot {
    const worker = new Worker(url);
    const slot: Slot = { worker, task: undefined };
    worker.unref();
    const lose = (why: string): void => {
      if (slots[index] !== slot) return;
      slots[index] = undefined;
      const t = slot.task;
      slot.task = undefined;
      t?.reject(
        new AirlockError('internal', 'auth.worker_failed', `password check failed: ${why}`),
      );
      pump();
    };
    worker.on('message', (m: FromPasswordWorker) => {
      const t = slot.task;
      if (t === undefined || t.message.id !== m.id) return lose('unexpected answer');
      slot.task = undefined;
      worker.unref();
      if (m.ok) t.resolve(m.value);
      else t.reject(new AirlockError('internal', 'auth.worker_failed', 'password check failed'));
      pump();
    });
    worker.on('error', () => lose('worker error'));
    worker.on('exit', () => lose('worker exited'));
    return slot;
  }

  function pump(): void {
    for (let i = 0; i < slots.length && queue.length > 0 && !closed; i++) {
      const slot = slots[i] ?? (slots[i] = spawn(i));
      if (slot.task !== undefined) continue;
      const t = queue.shift();
      if (t === undefined) return;
      slot.task = t;
      slot.worker.ref();
      slot.worker.postMessage(t.message);
    }
  }

  function running(): number {
    return slots.filter((s) => s?.task !== undefined).length;
  }

  function isFull(): boolean {
    return closed || (running() >= size && queue.length >= maxQueued);
  }

  function submit(message: PoolOp): Promise<string | boolean | StrengthEstimate> {
    if (closed) return Promise.reject(closedError());
    if (isFull()) {
      refused++;
      return Promise.reject(
        new AirlockError(
          'unavailable',
          'auth.busy',
          'the gateway is busy checking other logins; try again in a few seconds',
        ),
      );
    }
    return new Promise((resolve, reject) => {
      queue.push({ message: { ...message, id: nextId++ }, resolve, reject });
      pump();
    });
  }

  return {
    async hash(password) {
      const v = await submit({ op: 'hash', password });
      if (typeof v !== 'string')
        throw new AirlockError('internal', 'auth.worker_failed', 'bad hash');
      return v;
    },
    async verify(encoded, password) {
      return (await submit({ op: 'verify', encoded, password })) === true;
    },
    async strength(password, related) {
      const v = await submit({ op: 'strength', password, related });
      if (typeof v !== 'object')
        throw new AirlockError('internal', 'auth.worker_failed', 'bad strength estimate');
      return v;
    },
    isFull,
    stats: () => ({ running: running(), queued: queue.length, refused }),
    async close() {
      closed = true;
      for (const t of queue.splice(0)) t.reject(closedError());
      await Promise.all(
        slots.map(async (s, i) => {
          if (s === undefined) return;
          slots[i] = undefined;
          s.task?.reject(closedError());
          await s.worker.terminate();
        }),
      );
    },
  };
}
