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

/**
 * What the endpoint offers in its key exchange, by default and always (operators run current
 * OpenSSH or ssh2 clients): curve25519 key exchange only, AES-GCM ciphers, encrypt-then-MAC MACs
 * (unused with AEAD ciphers, but a list must be offered), no compression, and the Ed25519 host
 * key. ssh2 appends `kex-strict-s-v00@openssh.com` (strict key exchange against Terrapin,
 * CVE-2023-48795) to the key exchange list itself. docs/ssh.md lists what ssh-audit says of it.
 *
 * Why AES-GCM only, and not chacha20-poly1305: in SSH the client's preference picks the cipher,
 * and OpenSSH prefers chacha20-poly1305, so offering it means every operator leg uses it. This leg
 * carries every relayed byte and the gateway is CPU-bound on it; with AES-NI (every x86 server
 * CPU of the last decade, ARMv8 with its crypto extensions) AES-GCM costs the gateway and the
 * client markedly less per byte (measured: SSH bulk through both gateways 0.46x -> 0.52x direct,
 * IT CPU per MiB 2.7-2.8 -> 2.3-2.5 ms). Both are AEAD and equally strong here; every OpenSSH
 * since 6.2 (2013) and ssh2 speak AES-GCM, so nobody who can do the curve25519 key exchange
 * (OpenSSH 6.5+) is shut out. The list is fixed like the rest (there is no endpoint algorithm
 * configuration to keep chacha20 behind).
 */
export const ENDPOINT_ALGORITHMS = {
  kex: ['curve25519-sha256', 'curve25519-sha256@libssh.org'],
  serverHostKey: ['ssh-ed25519'],
  cipher: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'],
  hmac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com'],
  compress: ['none'],
} as const satisfies {
  readonly [K in 'kex' | 'serverHostKey' | 'cipher' | 'hmac' | 'compress']: readonly string[];
};
