/**
 * What the linear-time engine buys (issue 17 item 4): a site's ticket format `(a+)+$` against the
 * reference "a"×n + "!", on V8's backtracking engine (n kept small: it doubles per character) and
 * on the linear engine (shared/src/text/linear-regex.ts) up to the longest reference and beyond.
 * Prints times only; the test suite asserts the engine, not a time.
 *   npm run bench -- linear-regex
 */
import { compileLinearRegex } from '../../shared/src/text/linear-regex.js';

function ms(fn: () => unknown): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const PATTERN = '(a+)+$';
const v8 = new RegExp(`^(?:${PATTERN})$`, 'u');
const compiled = compileLinearRegex(PATTERN);
if (!compiled.ok) throw new Error(compiled.error);
const linear = compiled.value;

process.stdout.write(`pattern ${PATTERN}, input "a"×n + "!"\n`);
for (const n of [16, 20, 22, 24]) {
  const input = `${'a'.repeat(n)}!`;
  process.stdout.write(
    `n=${String(n).padStart(6)}  V8 ${ms(() => v8.test(input))
      .toFixed(1)
      .padStart(9)} ms  linear ${ms(() => linear.matchesWhole(input)).toFixed(3)} ms\n`,
  );
}
for (const n of [64, 1_000, 100_000]) {
  const input = `${'a'.repeat(n)}!`;
  process.stdout.write(
    `n=${String(n).padStart(6)}  V8 (not run: about 2^n steps)  linear ${ms(() => linear.matchesWhole(input)).toFixed(3)} ms\n`,
  );
}
