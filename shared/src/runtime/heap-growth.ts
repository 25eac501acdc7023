/**
 * How far the JavaScript heap may grow past its live size before V8 marks it again, for the
 * gateway processes (both call `tuneHeapGrowth` as they are created).
 *
 * Why: a relay allocates its data off the heap (every Buffer is an external backing store) and
 * little on it. V8 counts external bytes allocated since the last full collection against the old
 * generation's limit, and starts incremental marking once the room left is below the new space's
 * capacity. With V8's own growing factor, chosen from recent collection speed, a gateway that had
 * been idle (its heap shrunk by the memory reducer) could settle on a limit barely above its live
 * heap, and then marked the whole heap several times a second while a session moved bulk data:
 * measured here, 63 to 80 mark-compacts per 1,000 MiB relayed against 2 to 7, and twice the CPU
 * per MiB (the two modes of the SSH bulk benchmark, README "Measured"). A fixed factor of 3 (the
 * limit three times the live heap; V8's own factor ranges from 1.1 to 4) keeps the room above the
 * new space's capacity, so marking starts for garbage, not for Buffers passing through.
 *
 * Guarantees: applied once per process, before the next collection computes a limit; an operator's
 * own `--heap-growing-percent` on node's command line is left as given (`=0` restores V8's own
 * choice; node refuses the flag in NODE_OPTIONS).
 * Not guaranteed: any bound on memory. The maximum heap (`--max-old-space-size`) is unchanged, and
 * a process near it is still collected as V8 decides.
 */
import { setFlagsFromString } from 'node:v8';

/** The old generation's limit after a full collection: live size x (1 + this / 100). */
export const HEAP_GROWING_PERCENT = 200;

const FLAG = '--heap-growing-percent';
let applied = false;

/** Sets the heap growing factor for this process, unless the operator already chose one. */
export function tuneHeapGrowth(
  argv: readonly string[] = process.execArgv,
): 'set' | 'operator' | 'already' {
  if (applied) return 'already';
  applied = true;
  const given = argv.some(
    (a) => a.startsWith(`${FLAG}=`) || a.startsWith('--heap_growing_percent='),
  );
  if (given) return 'operator';
  setFlagsFromString(`${FLAG}=${HEAP_GROWING_PERCENT}`);
  return 'set';
}
