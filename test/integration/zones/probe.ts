/**
 * A TCP port probe for the zone tests, run inside a zone (and as a given user) with
 * `ip netns exec <zone> [setpriv ...] node probe.js <timeout ms> <address:port>...`. Prints one JSON
 * object: for each target `open` (connected), `refused` (the host answered: the network let the
 * packet through), `blocked` (this host's own firewall dropped it: EPERM) or `silent` (no answer
 * within the timeout: dropped on the way). At most 256 connections are in flight at once.
 */
import { connect } from 'node:net';

type Outcome = 'open' | 'refused' | 'blocked' | 'silent' | 'unreachable';

function probe(target: string, timeoutMs: number): Promise<Outcome> {
  const at = target.lastIndexOf(':');
  return new Promise((resolve) => {
    const s = connect({ host: target.slice(0, at), port: Number(target.slice(at + 1)) });
    let isDone = false;
    const done = (o: Outcome): void => {
      if (isDone) return;
      isDone = true;
      clearTimeout(timer);
      s.destroy();
      resolve(o);
    };
    // A connection the kernel completed while this process's loop was busy is reported in the poll
    // phase, after the timers: decide `silent` one turn later (setImmediate runs after the poll), so
    // a loaded machine does not turn an open port into a silent one.
    const timer = setTimeout(() => setImmediate(() => done('silent')), timeoutMs);
    s.once('connect', () => done('open'));
    s.once('error', (e: NodeJS.ErrnoException) =>
      done(
        e.code === 'ECONNREFUSED'
          ? 'refused'
          : e.code === 'EPERM' || e.code === 'EACCES'
            ? 'blocked'
            : 'unreachable',
      ),
    );
  });
}

const [timeout = '1500', ...targets] = process.argv.slice(2);
const results: Record<string, Outcome> = {};
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(256, targets.length) }, async () => {
    for (let i = next++; i < targets.length; i = next++) {
      const t = targets[i] ?? '';
      results[t] = await probe(t, Number(timeout));
    }
  }),
);
process.stdout.write(`${JSON.stringify(results)}\n`);
