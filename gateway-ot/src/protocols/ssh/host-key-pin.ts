/**
 * Host key pinning for SSH targets. The policy pins each target's key as recorded at onboarding,
 * either as the OpenSSH public key line (`ssh-ed25519 AAAA...`) or as its OpenSSH SHA-256
 * fingerprint (`SHA256:...`, what `ssh-keygen -lf` prints). A presented key matches only if its
 * wire blob is byte-identical to the pinned one (or hashes to the pinned fingerprint). There is no
 * trust-on-first-use and no "changed key" prompt: anything else is a mismatch.
 */
import { createHash } from 'node:crypto';
import { err, ok, type Result } from '../../../../shared/src/result.js';

export type HostKeyPin =
  | { readonly kind: 'key'; readonly keyType: string; readonly blob: Buffer }
  | { readonly kind: 'fingerprint'; readonly sha256: string };

const KEY_LINE =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)\s+([A-Za-z0-9+/]+={0,2})(?:\s.*)?$/;
const FINGERPRINT = /^SHA256:([A-Za-z0-9+/]{43})=?$/;

export function parseHostKeyPin(text: string): Result<HostKeyPin, string> {
  const t = text.trim();
  const fp = FINGERPRINT.exec(t);
  if (fp !== null) return ok({ kind: 'fingerprint', sha256: fp[1] ?? '' });
  const m = KEY_LINE.exec(t);
  if (m === null)
    return err(
      'expected an OpenSSH public key line ("ssh-ed25519 AAAA...") or a "SHA256:..." fingerprint',
    );
  const keyType = m[1] ?? '';
  const blob = Buffer.from(m[2] ?? '', 'base64');
  // The blob starts with its own key type as an SSH string; a line whose parts disagree is not a key.
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (len !== keyType.length || blob.subarray(4, 4 + len).toString('latin1') !== keyType) {
    return err(`the base64 part is not a ${keyType} public key`);
  }
  return ok({ kind: 'key', keyType, blob });
}

/** OpenSSH's SHA-256 fingerprint of a key blob, `SHA256:` + unpadded base64. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export function isPinnedKey(pin: HostKeyPin, presented: Buffer): boolean {
  switch (pin.kind) {
    case 'key':
      return pin.blob.equals(presented);
    case 'fingerprint':
      return fingerprintOf(presented) === `SHA256:${pin.sha256}`;
    default: {
      const never: never = pin;
      return never;
    }
  }
}
