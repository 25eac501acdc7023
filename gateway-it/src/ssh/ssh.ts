/**
 * The operator SSH endpoint (`ssh -p 2222 alice:hmi-1@it-gateway`, and `-L` forwarding to granted
 * Modbus and OPC UA assets): ssh2 server side, with its own pinned host key.
 *
 * Guarantees: each connection authenticates through auth/ (a registered key or the password, then
 * the second factor, which a key made fresh by a key + code login skips until its mark runs out,
 * ssh-fresh-logins.ts, or that its owner makes fresh by confirming the prompt's one-time portal link,
 * ssh-confirmations.ts) within a time limit; every session and forward opens through sessions/ (the
 * access check, a signed ticket, the site's verification); remote forwarding, agent and X11
 * forwarding, streamlocal and every other global request are refused and audited; connections and
 * channels per connection are capped; connections that have not logged in have a deadline and
 * per-source and total caps, audited when a cap refuses connections (`ssh.preauth_limit`). Off by configuration: with `ssh.enabled` false the gateway
 * builds no endpoint at all (and loads no host key). Not here: the target's credentials and the
 * command filter (the OT gateway holds and applies them).
 */
import { join } from 'node:path';
import type { Clock } from '../../../shared/src/clock.js';
import type { Logger } from '../../../shared/src/log.js';
import type { Access } from '../access/access.js';
import type { Auth } from '../auth/auth.js';
import type { ItConfig } from '../config/config.js';
import type { Sessions } from '../sessions/sessions.js';
import type { ItStore } from '../store/store.js';
import { createSshEndpoint, type SshEndpoint } from './ssh-endpoint.js';
import { SshFreshLogins, type FreshKeysOfUser } from './ssh-fresh-logins.js';
import { SshConfirmations } from './ssh-confirmations.js';
import { loadOrCreateSshHostKey } from './ssh-host-key.js';

export type { SshEndpoint } from './ssh-endpoint.js';
export type { SshHostKey } from './ssh-host-key.js';
export type { SshConfirmations, SshConfirmationView, SshConfirmer } from './ssh-confirmations.js';
export { CONFIRM_CODE } from './ssh-confirmations.js';

export interface Ssh extends Omit<SshEndpoint, 'hostKey' | 'start'> {
  /** Starts listening (resolves with the bound port); `portalUrl` is where the portal answers. */
  start(portalUrl: string): Promise<number>;
  /** Where operators point `ssh -p`: the public host name, and the port (bound once listening). */
  readonly hint: { readonly host: string; readonly port: number };
  /** The host key's public half, for operators to pin (the private key stays in the endpoint). */
  readonly hostKey: { readonly fingerprint: string; readonly publicKey: string };
  /** Users' fresh keys (a key + code login spares the code for a while): shown, and ended by the user. */
  readonly freshKeys: FreshKeysOfUser;
  /** One-time links that confirm a waiting SSH login in the portal (the confirm page). */
  readonly confirmations: SshConfirmations;
}

export interface SshDeps {
  readonly config: Pick<ItConfig, 'ssh' | 'http' | 'dataDir'>;
  readonly store: Pick<
    ItStore,
    'db' | 'audit' | 'users' | 'sites' | 'catalogue' | 'sshFreshLogins' | 'policies'
  >;
  readonly auth: Pick<Auth, 'login' | 'sshKeys'>;
  readonly access: Pick<Access, 'checker'>;
  readonly sessions: Pick<Sessions, 'live'>;
  readonly clock: Clock;
  readonly log: Logger;
}

/** How long the target menu waits for a choice. */
const MENU_IDLE_MS = 5 * 60_000;
/** How long a portal link that confirms an SSH login may be used. */
const CONFIRM_TTL_MS = 5 * 60_000;

export function createSsh(deps: SshDeps): Ssh {
  const { config, store } = deps;
  const ssh = config.ssh;
  const fresh = new SshFreshLogins({
    store: store.sshFreshLogins,
    clock: deps.clock,
    periodMs: ssh.mfaFreshSeconds * 1000,
    sitePolicies: store.policies,
    sites: store.sites,
    db: store.db,
    audit: store.audit,
  });
  const confirmations = new SshConfirmations({
    clock: deps.clock,
    audit: store.audit,
    db: store.db,
    fresh,
    ttlMs: CONFIRM_TTL_MS,
  });
  // Known once the portal listens (its port may be chosen then): set by start, read per prompt.
  let portalUrl = config.http.publicUrl ?? 'https://127.0.0.1';
  const endpoint = createSshEndpoint({
    config: ssh,
    hostKey: loadOrCreateSshHostKey(
      ssh.hostKeyFile ?? join(config.dataDir, 'keys', 'ssh-host-ed25519.key'),
    ),
    auth: {
      login: deps.auth.login,
      users: store.users,
      keys: deps.auth.sshKeys,
      fresh,
      confirmations,
      portalUrl: () => portalUrl.replace(/\/+$/, ''),
    },
    services: {
      sessions: deps.sessions.live,
      targets: { sites: store.sites, catalogue: store.catalogue, checker: deps.access.checker },
      audit: store.audit,
      fresh,
      hintHost: `${new URL(config.http.publicUrl ?? 'https://127.0.0.1').hostname} -p ${ssh.port}`,
      menuIdleMs: MENU_IDLE_MS,
    },
    clock: deps.clock,
    log: deps.log.child({ component: 'ssh' }),
  });
  const host = new URL(config.http.publicUrl ?? `https://${ssh.listen}`).hostname;
  return {
    hostKey: { fingerprint: endpoint.hostKey.fingerprint, publicKey: endpoint.hostKey.publicKey },
    get port(): number {
      return endpoint.port;
    },
    hint: {
      host,
      get port(): number {
        return endpoint.port;
      },
    },
    freshKeys: fresh,
    confirmations,
    start: (url) => {
      portalUrl = url;
      return endpoint.start();
    },
    connectionCount: () => endpoint.connectionCount(),
    unauthenticatedCount: () => endpoint.unauthenticatedCount(),
    close: () => endpoint.close(),
  };
}
