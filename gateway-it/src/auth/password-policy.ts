/**
 * Minimum password strength: length first (NIST SP 800-63B: at least 12, at most 256 characters),
 * not containing the user name, and then an estimate of how many guesses an attacker needs
 * (zxcvbn-ts with its common and English dictionaries: keyboard walks, sequences, repeats, dates,
 * l33t and common passwords), which must reach MIN_PASSWORD_SCORE (3: about 10^8 guesses). A
 * refusal names why. The estimate runs on the password threads. Generated passwords (5 groups of
 * 4 base32 characters, 100 bits) always pass.
 */
import { randomBytes } from 'node:crypto';
import type { PasswordPool } from '../../../shared/src/crypto/password-pool.js';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;
/** zxcvbn's score scale: 3 is "safely unguessable" for an online attack with throttling. */
export const MIN_PASSWORD_SCORE = 3;

/** The cheap rules, checked on the event loop: length and the user name. */
export function checkPasswordShape(password: string, userName: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH)
    return `password must have at most ${MAX_PASSWORD_LENGTH} characters`;
  if (userName.length >= 3 && password.toLowerCase().includes(userName.toLowerCase()))
    return 'password must not contain the user name';
  return undefined;
}

/** The whole policy: undefined if the password may be used, else why not (for the person). */
export async function checkPasswordStrength(
  password: string,
  userName: string,
  passwords: PasswordPool,
): Promise<string | undefined> {
  const shape = checkPasswordShape(password, userName);
  if (shape !== undefined) return shape;
  const e = await passwords.strength(password, [userName, 'airlock']);
  if (e.score >= MIN_PASSWORD_SCORE) return undefined;
  const why = [e.warning, ...e.suggestions].filter((s): s is string => s !== null && s !== '');
  return `password is too easy to guess (about 10^${Math.floor(e.guessesLog10)} guesses)${
    why.length === 0 ? '' : `: ${why.join(' ')}`
  } A few unrelated words make a strong one.`;
}

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** A random password people can type: `k7mp-x2qa-...`, 100 bits. */
export function generatePassword(): string {
  const bytes = randomBytes(20);
  let out = '';
  for (let i = 0; i < 20; i++) {
    if (i > 0 && i % 4 === 0) out += '-';
    out += ALPHABET[(bytes[i] ?? 0) & 31];
  }
  return out;
}
