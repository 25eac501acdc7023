/** The IT gateway's own state and each site's link state, as /healthz reports them. */
import { AIRLOCK_VERSION } from '../../../shared/src/version.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { SiteStore } from '../store/site-store.js';
import type { LinkState, SiteLinkStates } from '../link/site-link-state.js';

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

export function createHealthReporter(deps: {
  clock: Clock;
  sites: SiteStore;
  links: () => SiteLinkStates;
  tlsFingerprint: string;
  sshHostKeyFingerprint?: string;
  startedAt: number;
}): () => HealthReport {
  return () => ({
    status: 'ok',
    gateway: 'it',
    version: AIRLOCK_VERSION,
    time: new Date(deps.clock.now()).toISOString(),
    uptimeSeconds: Math.floor((deps.clock.now() - deps.startedAt) / 1000),
    tlsFingerprint: deps.tlsFingerprint,
    ...(deps.sshHostKeyFingerprint === undefined
      ? {}
      : { sshHostKeyFingerprint: deps.sshHostKeyFingerprint }),
    sites: deps.sites.list().map((s) => {
      const l = deps.links().get(s.id);
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
