/**
 * The SSH endpoint's host key: an Ed25519 key in OpenSSH format, created (0600) at first start
 * and then only read. Its SHA-256 fingerprint is what operators pin in known_hosts; the ready line,
 * /healthz and the portal show it.
 */
import { existsSync } from 'node:fs';
import ssh2 from 'ssh2';
import { AirlockError } from '../../../shared/src/errors.js';
import { readSecretFile, writeSecretFile } from '../../../shared/src/crypto/key-file.js';
import { sshFingerprint } from '../auth/auth.js';

export interface SshHostKey {
  /** OpenSSH private key text, for ssh2's `hostKeys`. */
  readonly privateKey: string;
  /** `ssh-ed25519 AAAA...`, the known_hosts form. */
  readonly publicKey: string;
  /** `SHA256:...`, as `ssh-keygen -lf` prints it. */
  readonly fingerprint: string;
}

export function loadOrCreateSshHostKey(path: string): SshHostKey {
  if (!existsSync(path)) {
    writeSecretFile(path, Buffer.from(generateEd25519PrivateKey(), 'utf8'));
  }
  const privateKey = Buffer.from(readSecretFile(path)).toString('utf8');
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error)
    throw new AirlockError(
      'bad_request',
      'ssh.host_key_invalid',
      `SSH host key ${path} cannot be read: ${parsed.message}`,
    );
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined || !key.isPrivateKey())
    throw new AirlockError(
      'bad_request',
      'ssh.host_key_invalid',
      `SSH host key ${path} holds no private key`,
    );
  const blob = key.getPublicSSH();
  return {
    privateKey,
    publicKey: `${key.type} ${blob.toString('base64')}`,
    fingerprint: sshFingerprint(blob),
  };
}

/**
 * ssh2's generator writes an Ed25519 public key that starts with a zero byte as 31 bytes (about one
 * key in 256), and such a key never parses again; it is discarded and another drawn.
 */
export function generateEd25519PrivateKey(): string {
  for (let attempt = 0; attempt < 32; attempt++) {
    const candidate = ssh2.utils.generateKeyPairSync('ed25519').private;
    if (!(ssh2.utils.parseKey(candidate) instanceof Error)) return candidate;
  }
  throw new AirlockError(
    'internal',
    'ssh.host_key_generation',
    'could not generate a readable Ed25519 host key',
  );
}
