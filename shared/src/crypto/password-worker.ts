/**
 * Worker-thread side of the password pool (see password-pool.ts): runs one argon2id operation (or
 * one zxcvbn estimate) per message with libsodium and posts the answer back. It holds no state between messages, logs
 * nothing, and never echoes a password: a failure is reported by message id only.
 */
import { parentPort } from 'node:worker_threads';
import { hashPassword, verifyPassword } from './password-hash.js';
import { estimateStrength } from './password-strength.js';
import { initCrypto } from './sodium.js';
import type { FromPasswordWorker, ToPasswordWorker } from './password-pool.js';

const port = parentPort;
if (port === null) throw new Error('password-worker.js runs only as a worker thread');

// Messages may arrive before libsodium is ready: each waits for the one start.
const ready = initCrypto();
port.on('message', (m: ToPasswordWorker) => {
  void ready.then(() => {
    let reply: FromPasswordWorker;
    try {
      const value =
        m.op === 'hash'
          ? hashPassword(m.password)
          : m.op === 'verify'
            ? verifyPassword(m.encoded, m.password)
            : estimateStrength(m.password, m.related);
      reply = { id: m.id, ok: true, value };
    } catch {
      reply = { id: m.id, ok: false };
    }
    port.postMessage(reply);
  });
});
