/**
 * The demo banner's SSH lines: the endpoint's host key fingerprint and a ready known_hosts line,
 * taken from the IT gateway's ready line (sshHostKeyFingerprint, sshHostKey), so the first `ssh`
 * need not ask anyone to trust an unknown key. OpenSSH writes a non-standard port as
 * `[host]:port` in known_hosts; the demo's endpoint is always reached at 127.0.0.1.
 */

/** `[127.0.0.1]:2222 ssh-ed25519 AAAA...`, or undefined when the gateway runs no SSH endpoint. */
export function knownHostsLine(ready: Record<string, unknown>, port: number): string | undefined {
  const key = ready.sshHostKey;
  if (typeof key !== 'string' || !/^ssh-ed25519 [A-Za-z0-9+/=]+$/.test(key)) return undefined;
  return `[127.0.0.1]:${port} ${key}`;
}

export function sshTrustLines(ready: Record<string, unknown>, port: number): string {
  const fingerprint = ready.sshHostKeyFingerprint;
  const line = knownHostsLine(ready, port);
  if (typeof fingerprint !== 'string' || line === undefined)
    return '  SSH host key    (the IT gateway runs no SSH endpoint)';
  return `  SSH host key    ${fingerprint}   (ED25519; ssh shows it on first connect)
  known_hosts     ${line}
                  add it once so ssh trusts the endpoint without asking: echo '${line}' >> ~/.ssh/known_hosts`;
}
