/**
 * Minimum password strength: length first (NIST SP 800-63B), plus refusal of passwords that are
 * mostly one character, that contain the user name, or that are on a short list of the most common
 * ones. Generated passwords (5 groups of 4 base32 characters, 100 bits) always pass.
 */
import { randomBytes } from 'node:crypto';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

const COMMON = new Set([
  'password1234',
  '123456789012',
  'qwertyuiopas',
  'letmein12345',
  'administrator',
  'changeme1234',
  'welcome12345',
  'passwordpassword',
  'iloveyou1234',
]);

export function checkPasswordStrength(password: string, userName: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `password must have at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH)
    return `password must have at most ${MAX_PASSWORD_LENGTH} characters`;
  if (new Set(password).size < 5) return 'password must use at least 5 different characters';
  const lower = password.toLowerCase();
  if (userName.length >= 3 && lower.includes(userName.toLowerCase()))
    return 'password must not contain the user name';
  if (COMMON.has(lower)) return 'password is too common';
  return undefined;
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
