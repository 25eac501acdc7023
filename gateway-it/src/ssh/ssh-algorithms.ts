/**
 * The algorithms of the operator SSH endpoint, in one place: the signature algorithms a public key
 * login may use, which are exactly what the endpoint advertises in `server-sig-algs` (RFC 8308
 * EXT_INFO) and what `isAcceptedSignatureAlgorithm` lets through to the authenticator.
 * Not accepted: `ssh-rsa` (RSA with SHA-1) and `ssh-dss` (DSA); an RSA key signs with SHA-2.
 */

/** Public key signature algorithms, preferred first (the `server-sig-algs` list). */
export const SIGNATURE_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
] as const;

export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number];

/**
 * The signature algorithm of a publickey request as ssh2 reports it: ssh2 folds `rsa-sha2-256` and
 * `rsa-sha2-512` into the key type `ssh-rsa` with a hash (none for SHA-1 `ssh-rsa`).
 */
export function signatureAlgorithmOf(keyAlgo: string, hashAlgo: string | undefined): string {
  if (keyAlgo !== 'ssh-rsa') return keyAlgo;
  if (hashAlgo === 'sha512') return 'rsa-sha2-512';
  if (hashAlgo === 'sha256') return 'rsa-sha2-256';
  return 'ssh-rsa';
}

export function isAcceptedSignatureAlgorithm(name: string): name is SignatureAlgorithm {
  return (SIGNATURE_ALGORITHMS as readonly string[]).includes(name);
}
