/**
 * The SSH endpoint's host key: an Ed25519 key in OpenSSH format, created (0600) at first start
 * and then only read. Its SHA-256 fingerprint is what operators pin in known_hosts; the ready line,
 * /healthz and the portal show it.
 */
import { existsSync } from 'node:fs';
import ssh2 from 'ssh2';
import { AirlockError } from '../../../shared/src/errors.js';
import { readSecretFile, writeSecretFile } from '../../../shared/src/crypto/key-file.js';
import { sshFingerprint } from '../auth/ssh-keys.js';

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
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    writeSecretFile(path, Buffer.from(pair.private, 'utf8'));
  }
  const privateKey = Buffer.from(readSecretFile(path)).toString('utf8');
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) throw new AirlockError('bad_request', 'ssh.host_key_invalid', `SSH host key ${path} cannot be read: ${parsed.message}`);
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined || !key.isPrivateKey()) throw new AirlockError('bad_request', 'ssh.host_key_invalid', `SSH host key ${path} holds no private key`);
  const blob = key.getPublicSSH();
  return { privateKey, publicKey: `${key.type} ${blob.toString('base64')}`, fingerprint: sshFingerprint(blob) };
}
