/**
 * The gateway's own state and each site's link state, as /healthz reports them: version, uptime,
 * the TLS certificate's and the SSH host key's fingerprints (what operators and OT gateways pin),
 * and per site whether its OT gateway is online, when it was last heard and its clock offset.
 *
 * Guarantees: the report holds nothing secret (fingerprints and public facts only) and is computed
 * fresh on each call from the injected clock and the link's state. Not here: who may read it
 * (/healthz is public, for load balancers and monitoring) and any deeper check of the plant.
 */
import { AIRLOCK_VERSION } from '../../../shared/src/version.js';
import type { Clock } from '../../../shared/src/clock.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';
import type { LinkState, SiteLinkStates } from '../sites/sites.js';
import type { ItStore } from '../store/store.js';

export interface HealthReport {
  readonly status: 'ok';
  readonly gateway: 'it';
  readonly version: string;
  readonly time: string;
  readonly uptimeSeconds: number;
  readonly tlsFingerprint: string;
  /** The SSH endpoint's host key fingerprint (`SHA256:...`), when it is enabled. */
  readonly sshHostKeyFingerprint?: string;
  readonly sites: readonly {
    readonly site: string;
    readonly link: LinkState;
    readonly lastSeen: string | null;
    readonly gatewayVersion: string | null;
    readonly clockOffsetMs: number | null;
  }[];
}

export type HealthReporter = () => HealthReport;

export interface StatusDeps {
  readonly store: Pick<ItStore, 'sites' | 'keys'>;
  readonly links: SiteLinkStates;
  /** The SSH endpoint's host key; undefined when the endpoint is off (`ssh.enabled` false). */
  readonly ssh: { readonly hostKey: { readonly fingerprint: string } } | undefined;
  readonly clock: Clock;
}

export function createStatus(deps: StatusDeps): HealthReporter {
  const startedAt = deps.clock.now();
  const tlsFingerprint = deps.store.keys.tls.fingerprint;
  const sshHostKeyFingerprint = deps.ssh?.hostKey.fingerprint;
  return () => ({
    status: 'ok',
    gateway: 'it',
    version: AIRLOCK_VERSION,
    time: new Date(deps.clock.now()).toISOString(),
    uptimeSeconds: Math.floor((deps.clock.now() - startedAt) / 1000),
    tlsFingerprint,
    ...omitUndefined({ sshHostKeyFingerprint }),
    sites: deps.store.sites.list().map((s) => {
      const l = deps.links.get(s.id);
      return {
        site: s.id,
        link: l.state,
        lastSeen: l.lastSeen === null ? null : new Date(l.lastSeen).toISOString(),
        gatewayVersion: l.gatewayVersion,
        clockOffsetMs: l.clockOffsetMs,
      };
    }),
  });
}
