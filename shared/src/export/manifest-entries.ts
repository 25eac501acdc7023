/**
 * The first two entries of an export bundle, as the verifier reads them: manifest.json must come
 * first, fit in MAX_MANIFEST_BYTES and parse; manifest.sig must come second and be a valid Ed25519
 * signature over the manifest's exact bytes by the key the manifest names, and, when the verifier
 * was given the key it expects, that key (without one, a warning: anyone can sign with their own key).
 *
 * Guarantees: every problem becomes a `manifest.*` finding; bad input never throws. It does not
 * judge the files the manifest lists (verify-bundle.ts) or what is missing (bundle-completeness.ts).
 */
import { fromBase64Url, toBase64Url } from '../crypto/encoding.js';
import { verifySignature } from '../crypto/signing.js';
import {
  MANIFEST_FILE,
  MAX_MANIFEST_BYTES,
  SIGNATURE_FILE,
  parseManifest,
  type BundleManifest,
} from './bundle-manifest.js';
import { readSmallEntry, type BundleEntry } from './bundle-reader.js';
import type { Finding } from './segment-check.js';

/** Records an error finding (the verifier's one way to fail a check). */
export type ReportError = (check: string, message: string, file?: string) => void;

/** The parsed manifest and its exact bytes (what the signature covers), or undefined on a finding. */
export async function readManifestEntry(
  entry: BundleEntry,
  error: ReportError,
): Promise<{ manifest: BundleManifest; bytes: Buffer } | undefined> {
  if (entry.name !== MANIFEST_FILE) {
    error(
      'manifest.missing',
      `the first entry is ${entry.name}, not ${MANIFEST_FILE}: this is not an Airlock export bundle, or it was rebuilt`,
    );
    return undefined;
  }
  const bytes = await readSmallEntry(entry.stream, MAX_MANIFEST_BYTES);
  if (bytes === undefined) {
    error(
      'manifest.format',
      `${MANIFEST_FILE} is larger than ${MAX_MANIFEST_BYTES} bytes`,
      MANIFEST_FILE,
    );
    return undefined;
  }
  const parsed = parseManifest(bytes);
  if (!parsed.ok) {
    error('manifest.format', parsed.error, MANIFEST_FILE);
    return undefined;
  }
  return { manifest: parsed.value, bytes };
}

/**
 * Checks the second entry as manifest.sig. Returns whether the signature holds. An entry that is
 * not manifest.sig is left unread for the caller to judge as a file.
 */
export async function checkSignatureEntry(
  entry: BundleEntry,
  m: BundleManifest,
  bytes: Buffer,
  expectedPublicKey: Uint8Array | undefined,
  findings: Finding[],
  error: ReportError,
): Promise<boolean> {
  if (entry.name !== SIGNATURE_FILE) {
    error(
      'manifest.signature',
      `the second entry is ${entry.name}, not ${SIGNATURE_FILE}: the manifest is unsigned`,
    );
    return false;
  }
  const text = (await readSmallEntry(entry.stream, 1024))?.toString('utf8').trim();
  const sig = text === undefined ? undefined : fromBase64Url(text, 64);
  const key = fromBase64Url(m.signer.publicKey, 32);
  if (sig === undefined || !sig.ok || !key.ok || !verifySignature(sig.value, bytes, key.value)) {
    error(
      'manifest.signature',
      `${SIGNATURE_FILE} is not a valid signature of ${MANIFEST_FILE} by the key it names (${m.signer.publicKey}): the manifest was altered or re-signed`,
      SIGNATURE_FILE,
    );
    return false;
  }
  if (expectedPublicKey !== undefined) {
    const expected = toBase64Url(expectedPublicKey);
    if (expected !== m.signer.publicKey) {
      error(
        'manifest.signer',
        `the manifest is signed by ${m.signer.publicKey}, not by the expected key ${expected}: the bundle was re-signed with another key`,
        SIGNATURE_FILE,
      );
    }
  } else {
    findings.push({
      level: 'warning',
      check: 'manifest.signer',
      message: `no expected public key given: the signature is valid under the key in the bundle (${m.signer.publicKey}); compare it with the IT gateway's audit key shown in the portal, or pass --public-key`,
      file: SIGNATURE_FILE,
    });
  }
  return true;
}
