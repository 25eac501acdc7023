/**
 * Users' SSH public keys for the native SSH endpoint: parsing the OpenSSH `authorized_keys` line a
 * user pastes, registering (audited `user.key_add`) and removing (audited `user.key_remove`) them,
 * and finding the key a client offers at login. Only the public half is ever stored; the signature
 * a client makes with it is checked by the SSH endpoint (ssh/), which alone uses the SSH library.
 * Accepted types: Ed25519, ECDSA (P-256/384/521) and RSA of at least 2048 bits.
 */
import { createHash } from 'node:crypto';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import { err, ok, type Problem, type Result } from '../../../shared/src/result.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { SshKeyRecord, SshKeyStore, User } from '../store/store.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export const SSH_KEY_TYPES = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'ssh-rsa',
] as const;
export const MAX_KEYS_PER_USER = 20;
const MIN_RSA_BITS = 2048;

export interface ParsedPublicKey {
  readonly algorithm: string;
  readonly blob: Uint8Array;
  readonly comment: string;
  readonly fingerprint: string;
}

/** `SHA256:<base64 without padding>` of a key blob, as OpenSSH prints it. */
export function sshFingerprint(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Reads the SSH wire strings of a key blob; undefined if it is not exactly a sequence of them. */
function wireStrings(blob: Buffer): Buffer[] | undefined {
  const out: Buffer[] = [];
  let at = 0;
  while (at < blob.length) {
    if (at + 4 > blob.length) return undefined;
    const n = blob.readUInt32BE(at);
    if (at + 4 + n > blob.length) return undefined;
    out.push(blob.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return out;
}

function rsaBits(modulus: Buffer): number {
  let i = 0;
  while (i < modulus.length && modulus[i] === 0) i++;
  const first = modulus[i];
  return first === undefined ? 0 : (modulus.length - i - 1) * 8 + (32 - Math.clz32(first));
}

/** Parses one `type base64 [comment]` line. Never throws; problems name what is wrong. */
export function parseOpenSshPublicKey(text: string): Result<ParsedPublicKey, Problem[]> {
  const bad = (message: string): Result<ParsedPublicKey, Problem[]> =>
    err([{ path: 'publicKey', message }]);
  const line = text.trim();
  if (line.length === 0 || line.length > 16_384 || line.includes('\n'))
    return bad('expected one OpenSSH public key line, e.g. "ssh-ed25519 AAAAC3... alice@laptop"');
  const [type, data, ...rest] = line.split(/\s+/);
  if (type === undefined || data === undefined)
    return bad('expected "<type> <base64 key> [comment]"');
  if (!(SSH_KEY_TYPES as readonly string[]).includes(type))
    return bad(`unsupported key type ${type.slice(0, 40)}; use one of ${SSH_KEY_TYPES.join(', ')}`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return bad('the key is not valid base64');
  const blob = Buffer.from(data, 'base64');
  const parts = wireStrings(blob);
  if (parts === undefined || parts[0]?.toString('latin1') !== type)
    return bad(`the key data is not a ${type} public key`);
  if (type === 'ssh-ed25519' && (parts.length !== 2 || parts[1]?.length !== 32))
    return bad('the key data is not an Ed25519 public key');
  if (
    type.startsWith('ecdsa-') &&
    (parts.length !== 3 || parts[1]?.toString('latin1') !== type.slice('ecdsa-sha2-'.length))
  )
    return bad('the key data is not an ECDSA public key of that curve');
  if (type === 'ssh-rsa') {
    const modulus = parts[2];
    if (parts.length !== 3 || modulus === undefined)
      return bad('the key data is not an RSA public key');
    if (rsaBits(modulus) < MIN_RSA_BITS)
      return bad(`RSA keys must have at least ${MIN_RSA_BITS} bits`);
  }
  const comment = rest
    .join(' ')
    .replace(/[^\x20-\x7e]/g, '')
    .slice(0, 200);
  return ok({
    algorithm: type,
    blob: new Uint8Array(blob),
    comment,
    fingerprint: sshFingerprint(blob),
  });
}

export interface SshKeyServiceDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly keys: SshKeyStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export type SshKeyView = Omit<SshKeyRecord, 'blob' | 'userId'> & { readonly publicKey: string };

export function viewOf(k: SshKeyRecord): SshKeyView {
  return {
    id: k.id,
    algorithm: k.algorithm,
    fingerprint: k.fingerprint,
    comment: k.comment,
    createdAt: k.createdAt,
    lastUsedAt: k.lastUsedAt,
    publicKey: `${k.algorithm} ${Buffer.from(k.blob).toString('base64')}`,
  };
}

export class SshKeyService {
  constructor(private readonly deps: SshKeyServiceDeps) {}

  list(user: User): SshKeyView[] {
    return this.deps.keys.listByUser(user.id).map(viewOf);
  }

  /** Registers a key for the user (a key belongs to one account only). */
  add(user: User, publicKey: string): SshKeyView {
    const { deps } = this;
    const parsed = parseOpenSshPublicKey(publicKey);
    if (!parsed.ok)
      throw new AirlockError(
        'bad_request',
        'ssh_key.invalid',
        parsed.error[0]?.message ?? 'invalid public key',
        { details: { problems: parsed.error } },
      );
    const k = parsed.value;
    const record: SshKeyRecord = {
      id: deps.ids.next('key'),
      userId: user.id,
      algorithm: k.algorithm,
      blob: k.blob,
      fingerprint: k.fingerprint,
      comment: k.comment,
      createdAt: deps.clock.now(),
      lastUsedAt: null,
    };
    writeTransaction(deps.db, () => {
      if (deps.keys.byFingerprint(k.fingerprint) !== undefined)
        throw new AirlockError(
          'conflict',
          'ssh_key.exists',
          `the key ${k.fingerprint} is already registered`,
        );
      if (deps.keys.listByUser(user.id).length >= MAX_KEYS_PER_USER)
        throw new AirlockError(
          'limit_exceeded',
          'ssh_key.too_many',
          `an account holds at most ${MAX_KEYS_PER_USER} SSH keys; remove one first`,
        );
      deps.keys.add(record);
      deps.audit.append({
        action: 'user.key_add',
        actor: user.name,
        target: user.name,
        outcome: 'success',
        details: {
          keyId: record.id,
          algorithm: k.algorithm,
          fingerprint: k.fingerprint,
          comment: k.comment,
        },
      });
    })();
    return viewOf(record);
  }

  remove(user: User, keyId: string): void {
    const { deps } = this;
    writeTransaction(deps.db, () => {
      const k = deps.keys.listByUser(user.id).find((x) => x.id === keyId);
      if (k === undefined || !deps.keys.remove(user.id, keyId))
        throw new AirlockError('not_found', 'ssh_key.not_found', `you have no SSH key ${keyId}`);
      deps.audit.append({
        action: 'user.key_remove',
        actor: user.name,
        target: user.name,
        outcome: 'success',
        details: { keyId, fingerprint: k.fingerprint },
      });
    })();
  }

  /** The user's registered key with this blob, if any (the signature is checked by the caller). */
  findForLogin(user: User, blob: Uint8Array): SshKeyRecord | undefined {
    const k = this.deps.keys.byFingerprint(sshFingerprint(blob));
    return k !== undefined && k.userId === user.id && Buffer.from(k.blob).equals(Buffer.from(blob))
      ? k
      : undefined;
  }

  markUsed(k: SshKeyRecord): void {
    this.deps.keys.markUsed(k.id, this.deps.clock.now());
  }
}
