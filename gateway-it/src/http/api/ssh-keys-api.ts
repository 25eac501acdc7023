/** Your SSH public keys for the native SSH endpoint, and the endpoint's host key to pin. */
import { z } from 'zod';
import type { AccessHttpServices } from '../http-services.js';
import { op, type ApiOperation } from './api-registry.js';
import type { SshKeyView } from '../../auth/auth.js';

export const sshKeyBody = z.strictObject({ publicKey: z.string().min(1).max(16_384) });

function keyJson(k: SshKeyView, freshUntil?: number): Record<string, unknown> {
  return {
    id: k.id,
    algorithm: k.algorithm,
    fingerprint: k.fingerprint,
    comment: k.comment,
    publicKey: k.publicKey,
    createdAt: new Date(k.createdAt).toISOString(),
    lastUsedAt: k.lastUsedAt === null ? null : new Date(k.lastUsedAt).toISOString(),
    // A key + code login over SSH spares the code with this key until then (docs/ssh.md).
    freshUntil: freshUntil === undefined ? null : new Date(freshUntil).toISOString(),
  };
}

/** The known_hosts line operators add to pin the endpoint (`[host]:port key`). */
export function knownHostsLine(s: AccessHttpServices): string | null {
  if (s.ssh === undefined) return null;
  const { hint, hostKey } = s.ssh;
  const host = hint.port === 22 ? hint.host : `[${hint.host}]:${hint.port}`;
  return `${host} ${hostKey.publicKey}`;
}

export function sshKeyOperations(s: AccessHttpServices): ApiOperation[] {
  const keys = s.auth.sshKeys;
  return [
    op({
      method: 'get',
      path: '/me/ssh-keys',
      tag: 'auth',
      summary:
        'Your SSH public keys (for ssh -p 2222 you:asset@gateway; TOTP is asked for as well)',
      handler: ({ user }) => {
        const fresh = s.ssh?.freshKeys.freshUntilByKey(user.id);
        return { json: keys.list(user).map((k) => keyJson(k, fresh?.get(k.id))) };
      },
    }),
    op({
      method: 'post',
      path: '/me/ssh-keys',
      tag: 'auth',
      summary:
        'Register an SSH public key (one OpenSSH line: ssh-ed25519, ecdsa-sha2-nistp256/384/521, or ssh-rsa of 2048 bits or more)',
      body: sshKeyBody,
      responses: {
        201: 'registered',
        400: 'not a supported public key',
        409: 'the key is already registered',
        429: 'too many keys',
      },
      handler: ({ user, body }) => ({ status: 201, json: keyJson(keys.add(user, body.publicKey)) }),
    }),
    op({
      method: 'delete',
      path: '/me/ssh-keys/:id',
      tag: 'auth',
      summary: 'Remove one of your SSH public keys',
      responses: { 204: 'removed', 404: 'no such key of yours' },
      handler: ({ user, params }) => (keys.remove(user, params.id ?? ''), { status: 204 }),
    }),
    op({
      method: 'delete',
      path: '/me/ssh-fresh-keys',
      tag: 'auth',
      summary:
        'End your SSH shift: keys a key + code login made fresh need a code again at the next SSH login',
      responses: { 200: 'ended (keys: how many were fresh)' },
      handler: ({ user }) => ({
        json: { keys: s.ssh === undefined ? 0 : s.ssh.freshKeys.endShift(user, 'api') },
      }),
    }),
    op({
      method: 'get',
      path: '/ssh/host-key',
      tag: 'auth',
      summary:
        "The SSH endpoint's host key: its SHA-256 fingerprint and the known_hosts line to pin it",
      responses: { 200: 'the host key (enabled: false when the SSH endpoint is off)' },
      handler: () => ({
        json:
          s.ssh === undefined
            ? { enabled: false }
            : {
                enabled: true,
                fingerprint: s.ssh.hostKey.fingerprint,
                publicKey: s.ssh.hostKey.publicKey,
                knownHosts: knownHostsLine(s),
              },
      }),
    }),
  ];
}
