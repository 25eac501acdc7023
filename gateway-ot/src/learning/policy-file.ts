/**
 * Writes one access profile into the OT owner's policy file: the file is read, the profile
 * replaced, the result checked by the same loader the gateway starts with, and only then written
 * (a temporary file renamed over it, so a reader sees the old file or the new one, never half).
 * The previous file is kept beside it as `<file>.<time>.bak`.
 *
 * Guarantees: a result the loader refuses is never written (every problem is returned); the file's
 * other keys are kept as written (JSON re-indented with two spaces). Not guaranteed: comments or
 * key order of the original (JSON has no comments; the order is JSON.parse's).
 */
import {
  chownSync,
  copyFileSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import { err, ok, type Problem, type Result } from '../../../shared/src/result.js';

export type CheckPolicy = (json: unknown, sha256: string) => Result<unknown, Problem[]>;

interface PolicyJson {
  assets: Record<string, { profiles: Record<string, unknown> }>;
}

function isPolicyJson(v: unknown): v is PolicyJson {
  return typeof v === 'object' && v !== null && typeof (v as PolicyJson).assets === 'object';
}

/** The policy file with `asset`'s `profile` replaced, checked by the loader; nothing is written. */
export function renderProfile(
  file: string,
  asset: string,
  profile: string,
  value: unknown,
  check: CheckPolicy,
): Result<{ text: string; sha256: string }, Problem[]> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return err([{ path: '', message: `cannot read policy file ${file}: ${(e as Error).message}` }]);
  }
  const profiles = isPolicyJson(json) ? json.assets[asset]?.profiles : undefined;
  if (!isPolicyJson(json) || profiles === undefined)
    return err([{ path: `assets.${asset}`, message: 'is not in the policy file' }]);
  profiles[profile] = value;
  const text = `${JSON.stringify(json, null, 2)}\n`;
  const sha256 = sha256Hex(text);
  const checked = check(JSON.parse(text), sha256);
  return checked.ok ? ok({ text, sha256 }) : checked;
}

/** Replaces the file with `text` (rename), keeping the old one as `<file>.<now>.bak`; returns that path. */
export function replacePolicyFile(file: string, text: string, now: number): string {
  const backup = `${file}.${now}.bak`;
  copyFileSync(file, backup);
  const st = statSync(file);
  const tmp = `${file}.tmp`;
  // The new file keeps the old one's mode and owner, so the gateway's service user still reads it.
  writeFileSync(tmp, text, { mode: st.mode & 0o777 });
  if (process.getuid?.() === 0) chownSync(tmp, st.uid, st.gid);
  renameSync(tmp, file);
  return backup;
}
