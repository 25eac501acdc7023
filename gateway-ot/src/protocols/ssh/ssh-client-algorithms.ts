/**
 * The algorithms the OT gateway's SSH client offers a plant target. The default is hardened
 * (curve25519 key exchange, AEAD ciphers, encrypt-then-MAC SHA-2 MACs, no compression, no SHA-1
 * host key signatures); an asset whose target is too old for it names what it may use instead in
 * the local policy (`algorithms` of an SSH asset), each list replacing the default for its kind.
 * Only algorithms ssh2 1.17 implements can be named (the policy refuses others at load).
 * The handshake's outcome is audited per session (`ssh.target_connect`).
 */

/** What ssh2 1.17 can negotiate as a client, by kind (the policy's vocabulary). */
export const SUPPORTED_CLIENT_ALGORITHMS = {
  kex: [
    'curve25519-sha256',
    'curve25519-sha256@libssh.org',
    'ecdh-sha2-nistp256',
    'ecdh-sha2-nistp384',
    'ecdh-sha2-nistp521',
    'diffie-hellman-group-exchange-sha256',
    'diffie-hellman-group14-sha256',
    'diffie-hellman-group15-sha512',
    'diffie-hellman-group16-sha512',
    'diffie-hellman-group17-sha512',
    'diffie-hellman-group18-sha512',
    'diffie-hellman-group-exchange-sha1',
    'diffie-hellman-group14-sha1',
    'diffie-hellman-group1-sha1',
  ],
  serverHostKey: [
    'ssh-ed25519',
    'ecdsa-sha2-nistp256',
    'ecdsa-sha2-nistp384',
    'ecdsa-sha2-nistp521',
    'rsa-sha2-512',
    'rsa-sha2-256',
    'ssh-rsa',
    'ssh-dss',
  ],
  cipher: [
    'chacha20-poly1305@openssh.com',
    'aes256-gcm@openssh.com',
    'aes128-gcm@openssh.com',
    'aes256-ctr',
    'aes192-ctr',
    'aes128-ctr',
    'aes256-cbc',
    'aes192-cbc',
    'aes128-cbc',
    '3des-cbc',
  ],
  mac: [
    'hmac-sha2-256-etm@openssh.com',
    'hmac-sha2-512-etm@openssh.com',
    'hmac-sha1-etm@openssh.com',
    'hmac-sha2-256',
    'hmac-sha2-512',
    'hmac-sha1',
    'hmac-md5',
    'hmac-sha2-256-96',
    'hmac-sha2-512-96',
    'hmac-ripemd160',
    'hmac-sha1-96',
    'hmac-md5-96',
  ],
  compress: ['none', 'zlib@openssh.com', 'zlib'],
} as const;

export type AlgorithmKind = keyof typeof SUPPORTED_CLIENT_ALGORITHMS;
export type ClientAlgorithms = {
  readonly [K in AlgorithmKind]: readonly (typeof SUPPORTED_CLIENT_ALGORITHMS)[K][number][];
};

/** Offered to every target whose asset does not say otherwise. */
export const DEFAULT_CLIENT_ALGORITHMS: ClientAlgorithms = {
  kex: ['curve25519-sha256', 'curve25519-sha256@libssh.org'],
  // No NIST-curve ECDSA, SHA-1 (ssh-rsa) or DSA: a target with such a host key is listed per asset.
  serverHostKey: ['ssh-ed25519', 'rsa-sha2-512', 'rsa-sha2-256'],
  // AES-GCM first: the client's order decides, and with AES-NI (every x86-64 appliance) OpenSSL's
  // AES-128-GCM is about 1.6x ChaCha20-Poly1305 per byte here (`openssl speed -evp`); this leg
  // carries every relayed byte. A target without AES-GCM still gets ChaCha20-Poly1305.
  cipher: ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com'],
  mac: ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512-etm@openssh.com'],
  compress: ['none'],
};

/** The asset's lists where it has them, the default elsewhere. */
export function resolveClientAlgorithms(
  asset: { readonly [K in AlgorithmKind]?: ClientAlgorithms[K] | undefined } | undefined,
): ClientAlgorithms {
  const d = DEFAULT_CLIENT_ALGORITHMS;
  return {
    kex: asset?.kex ?? d.kex,
    serverHostKey: asset?.serverHostKey ?? d.serverHostKey,
    cipher: asset?.cipher ?? d.cipher,
    mac: asset?.mac ?? d.mac,
    compress: asset?.compress ?? d.compress,
  };
}

/** What the key exchange settled on, as audited. */
export interface NegotiatedAlgorithms {
  readonly kex: string;
  readonly hostKeyAlgorithm: string;
  readonly cipher: string;
  readonly mac: string;
  readonly compression: string;
}
