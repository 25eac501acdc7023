/**
 * A gateway's TLS identity: a configured certificate and key, or a self-signed ECDSA P-256
 * certificate created at first start (key file 0600). Peers pin its SHA-256 fingerprint instead of
 * trusting a CA, the way OT gateways are enrolled. Certificate building uses @peculiar/x509 over
 * node's WebCrypto (no home-made ASN.1); its DI container needs the reflect-metadata polyfill.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, X509Certificate, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { isIP } from 'node:net';
import { readSecretFile, writeSecretFile } from './key-file.js';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface TlsIdentity {
  readonly certPem: string;
  readonly keyPem: string;
  /** Lowercase hex SHA-256 of the DER certificate. */
  readonly fingerprint: string;
}

export interface TlsIdentityOptions {
  readonly certPath: string;
  readonly keyPath: string;
  /** Names and addresses the certificate is valid for (SAN). */
  readonly hostnames: readonly string[];
  readonly commonName: string;
  readonly validDays?: number;
}

export function certificateFingerprint(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256.replace(/:/g, '').toLowerCase();
}

export async function createSelfSignedIdentity(
  options: Omit<TlsIdentityOptions, 'certPath' | 'keyPath'>,
): Promise<TlsIdentity> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(16)
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: `CN=${options.commonName.replace(/[,=+<>#;"\\]/g, '_')}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + (options.validDays ?? 825) * 86_400_000),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        options.hostnames.map((h) =>
          isIP(h) !== 0 ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h },
        ),
      ),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${pkcs8
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd()}\n-----END PRIVATE KEY-----\n`;
  const certPem = cert.toString('pem') + '\n';
  return { certPem, keyPem, fingerprint: certificateFingerprint(certPem) };
}

/** Loads the identity at the given paths, creating a self-signed one if neither file exists. */
export async function loadOrCreateTlsIdentity(options: TlsIdentityOptions): Promise<TlsIdentity> {
  const hasCert = existsSync(options.certPath);
  const hasKey = existsSync(options.keyPath);
  if (hasCert !== hasKey) {
    throw new Error(
      `TLS certificate and key must both exist or both be absent (${hasCert ? options.keyPath : options.certPath} is missing)`,
    );
  }
  if (!hasCert) {
    const created = await createSelfSignedIdentity(options);
    writeSecretFile(options.keyPath, Buffer.from(created.keyPem));
    mkdirSync(dirname(options.certPath), { recursive: true });
    writeFileSync(options.certPath, created.certPem, { mode: 0o644 });
    return created;
  }
  const certPem = readFileSync(options.certPath, 'utf8');
  const keyPem = Buffer.from(readSecretFile(options.keyPath)).toString('utf8');
  return { certPem, keyPem, fingerprint: certificateFingerprint(certPem) };
}
