/**
 * MFA recovery codes: ten single-use codes of 80 random bits each, shown once at enrollment and
 * stored only as keyed BLAKE2b hashes. A fast hash is sound here (unlike for passwords) because
 * the codes are random and long: there is no dictionary to try.
 */
import { randomBytes } from 'node:crypto';
import { blake2bHex } from '../../../shared/src/crypto/hash.js';

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/** `k7mp-x2qa-9fzr-tw4e` (16 characters from 32 = 80 bits). */
export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  const codes: string[] = [];
  for (let n = 0; n < count; n++) {
    const bytes = randomBytes(16);
    let out = '';
    for (let i = 0; i < 16; i++) {
      if (i > 0 && i % 4 === 0) out += '-';
      out += ALPHABET[(bytes[i] ?? 0) & 31];
    }
    codes.push(out);
  }
  return codes;
}

/** Accepts the code however it was typed (case, spaces, dashes); undefined if it cannot be one. */
export function normalizeRecoveryCode(text: string): string | undefined {
  const s = text.toLowerCase().replace(/[\s-]+/g, '');
  return /^[a-km-np-z2-9]{16}$/.test(s) ? s : undefined;
}

export function hashRecoveryCode(userId: string, code: string): string {
  return blake2bHex(`airlock:recovery:${userId}:${normalizeRecoveryCode(code) ?? code}`);
}
