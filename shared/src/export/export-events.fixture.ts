/**
 * What the byte-level export tests share (event-line-bytes.test.ts, event-formats-bytes.test.ts):
 * a byte sink of a given size, the plain event they vary, and a reproducible stream of generated
 * plain events (printable ASCII values without a quote or a backslash, the form the byte writers
 * handle). Test support only: the product never imports a fixture (the architecture test checks).
 */
import type { AuditEvent } from '../audit/audit-event.js';
import type { ByteSink } from './event-formats-bytes.js';

/** An empty sink of `size` bytes that refuses to grow past them. */
export function byteSink(size = 64 * 1024): ByteSink {
  const buf = Buffer.alloc(size);
  return {
    buf,
    used: 0,
    reserve(n) {
      return this.used + n <= size;
    },
  };
}

/** A plain Modbus write event, every value plain. */
export const BASE_EVENT: AuditEvent = {
  seq: 7,
  id: 'evt_7',
  time: Date.UTC(2026, 10, 24, 20, 15, 0, 7),
  actor: 'vera',
  action: 'modbus.write',
  site: 'plant-1',
  target: 'plc-1',
  outcome: 'success',
  details: { address: 40001, value: 1350 },
  prevHash: 'b'.repeat(64),
  hash: 'a'.repeat(64),
};

/** `count` events with random plain values, the same ones for the same `seed`. */
export function* generatedPlainEvents(seed: number, count: number): Generator<AuditEvent> {
  let s = seed;
  const rnd = (n: number): number => (s = (s * 1_103_515_245 + 12_345) % 2_147_483_648) % n;
  // Printable ASCII without the quote and the backslash (JSON escapes those; such lines defer).
  const chars = Array.from({ length: 95 }, (_, k) => String.fromCharCode(0x20 + k)).filter(
    (c) => c !== '"' && c !== '\\',
  );
  const word = (max: number, min = 0): string =>
    Array.from({ length: min + rnd(max - min + 1) }, () => chars[rnd(chars.length)]).join('');
  for (let k = 0; k < count; k++) {
    yield {
      ...BASE_EVENT,
      seq: 1 + rnd(1e9),
      time: rnd(2 ** 31) * 1000 + rnd(1000),
      id: word(20, 1),
      actor: word(30, 1),
      action: word(24, 1),
      site: rnd(4) === 0 ? null : word(16),
      target: rnd(4) === 0 ? null : word(60),
      outcome: (['success', 'failure', 'denied'] as const)[rnd(3)] as AuditEvent['outcome'],
      details: { [word(8)]: word(50), n: rnd(100), list: [word(5), { [word(3)]: word(70) }] },
    };
  }
}
