/**
 * An in-process OperatorChannel for broker tests: the test plays the IT side. The broker gets one
 * end of a duplex pair plus control messages; the driver holds the other end, sends control
 * messages, and collects what the broker sends (validated with the shared SSH channel schema, so
 * a broker that sends an invalid message fails the test).
 */
import { Duplex } from 'node:stream';
import { parseOtToItSsh, type OtToItSshMessage } from '../../shared/src/model/ssh-channel.js';
import { formatProblems } from '../../shared/src/result.js';
import type {
  ControlMessage,
  OperatorChannel,
} from '../../gateway-ot/src/sessions/protocol-broker.js';

export interface OperatorDriver {
  /** The broker's side. */
  readonly channel: OperatorChannel;
  /** The operator's side of the byte stream. */
  readonly stream: Duplex;
  send(message: ControlMessage): void;
  readonly received: OtToItSshMessage[];
  waitFor<T extends OtToItSshMessage['type']>(
    type: T,
    timeoutMs?: number,
  ): Promise<Extract<OtToItSshMessage, { type: T }>>;
  /** Everything the broker wrote to the stream, as text. */
  output(): string;
  /** stderr control messages, decoded and joined. */
  stderr(): string;
  waitForOutput(needle: string | RegExp, timeoutMs?: number): Promise<string>;
}

function duplexPair(): [Duplex, Duplex] {
  const sides: Duplex[] = [];
  const make = (peer: () => Duplex | undefined): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        peer()?.push(chunk);
        cb();
      },
      final(cb) {
        peer()?.push(null);
        cb();
      },
    });
  sides.push(
    make(() => sides[1]),
    make(() => sides[0]),
  );
  return [sides[0] as Duplex, sides[1] as Duplex];
}

export function createOperatorDriver(): OperatorDriver {
  const [brokerSide, operatorSide] = duplexPair();
  const listeners: ((m: ControlMessage) => void)[] = [];
  const received: OtToItSshMessage[] = [];
  const waiters = new Set<() => void>();
  let out = '';
  const wake = (): void => waiters.forEach((w) => w());
  operatorSide.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    wake();
  });
  operatorSide.on('error', () => undefined);
  const until = <T>(check: () => T | undefined, what: string, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const now = check();
      if (now !== undefined) return resolve(now);
      const timer = setTimeout(() => {
        waiters.delete(w);
        reject(
          new Error(
            `timed out waiting for ${what}; output so far: ${JSON.stringify(out.slice(-500))}; messages: ${JSON.stringify(received)}`,
          ),
        );
      }, timeoutMs);
      const w = (): void => {
        const v = check();
        if (v === undefined) return;
        clearTimeout(timer);
        waiters.delete(w);
        resolve(v);
      };
      waiters.add(w);
    });
  const channel: OperatorChannel = {
    stream: brokerSide,
    sendControl(message) {
      const p = parseOtToItSsh(message);
      if (!p.ok)
        throw new Error(`broker sent an invalid control message: ${formatProblems(p.error)}`);
      received.push(p.value);
      wake();
    },
    onControl(listener) {
      listeners.push(listener);
    },
  };
  return {
    channel,
    stream: operatorSide,
    // After the bytes already written, as a link carrying both in one connection would deliver them.
    send: (m) => setImmediate(() => listeners.forEach((l) => l(m))),
    received,
    waitFor: (type, timeoutMs = 30_000) =>
      until(
        () => received.find((m) => m.type === type) as never,
        `control message ${type}`,
        timeoutMs,
      ),
    output: () => out,
    stderr: () =>
      received
        .map((m) => (m.type === 'ssh.stderr' ? Buffer.from(m.data, 'base64').toString('utf8') : ''))
        .join(''),
    waitForOutput: (needle, timeoutMs = 30_000) =>
      until(
        () =>
          (typeof needle === 'string' ? out.includes(needle) : needle.test(out)) ? out : undefined,
        `output ${String(needle)}`,
        timeoutMs,
      ),
  };
}
