/**
 * `airlock-it tls-import`: puts an organisation's certificate (with its chain) and key in place of
 * the portal's self-signed one. Checked before anything is written: the PEM parses, the key is not
 * encrypted and belongs to the certificate, the certificate is valid now and is for a server. The
 * files in use are kept beside the new ones as `<name>.replaced-<time>`. The running gateway reads
 * the new certificate at its next start. OT gateways pin the certificate's fingerprint, so a site
 * enrolled before the import must be enrolled again with the new fingerprint (docs/install.md).
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { AirlockError } from '../../../shared/src/errors.js';
import { certificateFingerprint } from '../../../shared/src/crypto/tls-identity.js';

export interface TlsImportInput {
  readonly certFile: string;
  readonly keyFile: string;
  /** Where the gateway reads its certificate and key (config, or the defaults in the data dir). */
  readonly targetCert: string;
  readonly targetKey: string;
  readonly now: Date;
}

export interface TlsImportResult {
  readonly fingerprint: string;
  readonly previousFingerprint: string | undefined;
  readonly subject: string;
  readonly validTo: string;
  readonly keptAside: readonly string[];
}

function bad(message: string): AirlockError {
  return new AirlockError('bad_request', 'tls.import', message);
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new AirlockError('not_found', 'tls.import', `cannot read the ${what} ${path}`, {
      cause: e,
    });
  }
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Checks the pair; returns the PEM texts to write (certificate chain, key) and the leaf. */
export function checkCertificatePair(
  certPem: string,
  keyPem: string,
  now: Date,
): { leaf: X509Certificate; chainPem: string; keyPem: string } {
  const blocks = certPem.match(PEM_CERT) ?? [];
  if (blocks.length === 0) throw bad('the certificate file holds no PEM certificate');
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(blocks[0] ?? '');
    for (const b of blocks.slice(1)) new X509Certificate(b);
  } catch (e) {
    throw bad(`the certificate does not parse: ${(e as Error).message}`);
  }
  if (/ENCRYPTED/.test(keyPem))
    throw bad('the key is encrypted: give it without a passphrase (the gateway starts unattended)');
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (e) {
    throw bad(`the key does not parse: ${(e as Error).message}`);
  }
  if (!leaf.checkPrivateKey(key)) throw bad('the key does not belong to the certificate');
  if (now.getTime() < Date.parse(leaf.validFrom))
    throw bad(`the certificate is not valid yet (from ${leaf.validFrom})`);
  if (now.getTime() > Date.parse(leaf.validTo))
    throw bad(`the certificate expired on ${leaf.validTo}`);
  if (leaf.ca) throw bad('this is a CA certificate, not a server certificate');
  return {
    leaf,
    chainPem: `${blocks.join('\n')}\n`,
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

function stampOf(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

export function importTls(input: TlsImportInput): TlsImportResult {
  const pair = checkCertificatePair(
    readText(input.certFile, 'certificate'),
    readText(input.keyFile, 'key'),
    input.now,
  );
  const previousFingerprint = existsSync(input.targetCert)
    ? certificateFingerprint(readFileSync(input.targetCert, 'utf8'))
    : undefined;
  const stamp = stampOf(input.now);
  const keptAside: string[] = [];
  const put = (target: string, text: string, mode: number): void => {
    mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
    // New files take the owner of what they replace, else of their directory (root may run this).
    const ownerOf = existsSync(target) ? target : dirname(target);
    const { uid, gid } = statSync(ownerOf);
    const fresh = join(dirname(target), `.${stamp}.${process.pid}.new`);
    writeFileSync(fresh, text, { mode, flag: 'wx' });
    if (process.getuid?.() === 0) chownSync(fresh, uid, gid);
    if (existsSync(target)) {
      const aside = `${target}.replaced-${stamp}`;
      renameSync(target, aside);
      keptAside.push(aside);
    }
    renameSync(fresh, target);
  };
  put(input.targetKey, pair.keyPem, 0o600);
  put(input.targetCert, pair.chainPem, 0o644);
  return {
    fingerprint: certificateFingerprint(pair.chainPem),
    previousFingerprint,
    subject: pair.leaf.subject.replace(/\n/g, ', '),
    validTo: pair.leaf.validTo,
    keptAside,
  };
}
