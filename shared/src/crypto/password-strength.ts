/**
 * Password strength estimation with zxcvbn-ts and its common and English dictionaries: it knows
 * keyboard walks, sequences, repeats, dates, l33t substitutions and the most common passwords and
 * words, and estimates how many guesses an attacker needs. CPU-heavy (tens of ms a check, about
 * half a second for the first while it builds its dictionaries): it runs on the password pool's
 * threads (password-worker.ts), never on the event loop. The policy (what score is enough, the
 * message) is the caller's.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary as commonWords } from '@zxcvbn-ts/language-common';
import { dictionary as englishWords, translations } from '@zxcvbn-ts/language-en';

export interface StrengthEstimate {
  /** 0 (too guessable) to 4 (very unguessable), zxcvbn's scale: 3 means about 10^8 guesses or more. */
  readonly score: 0 | 1 | 2 | 3 | 4;
  readonly guessesLog10: number;
  /** Why it is weak, in words (English), when zxcvbn can say. */
  readonly warning: string | null;
  readonly suggestions: readonly string[];
}

let estimator: ZxcvbnFactory | undefined;

/** `related`: words the password must not lean on (the user name, the product name). */
export function estimateStrength(password: string, related: readonly string[]): StrengthEstimate {
  estimator ??= new ZxcvbnFactory({
    translations,
    graphs: adjacencyGraphs,
    dictionary: { ...commonWords, ...englishWords },
  });
  const r = estimator.check(password, [...related]);
  return {
    score: r.score,
    guessesLog10: r.guessesLog10,
    warning: r.feedback.warning,
    suggestions: r.feedback.suggestions,
  };
}
