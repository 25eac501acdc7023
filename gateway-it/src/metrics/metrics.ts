/**
 * The IT gateway's Prometheus metrics (prom-client, one registry of its own, never the global one):
 * sessions live by protocol and channel, session events by protocol and state, each site's link
 * state, round-trip and clock offset, audit events appended, login failures and refusals by code
 * (from the audit log's append listener: shared/src/metrics/audit-metrics.ts), and the SIEM
 * shipping lag (events behind the collector, per stream). Gauges are read from the services at
 * scrape time; nothing else in the gateway imports prom-client or reports here.
 *
 * Guarantees: without `metrics.tokenFile` the endpoint is off (the route answers 404); with it,
 * only `Authorization: Bearer <token>` is served (the route answers 401 otherwise). No user names,
 * addresses or secrets are labels. Not here: the HTTP route (http/routes/metrics.ts).
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import { auditMetrics } from '../../../shared/src/metrics/audit-metrics.js';
import { readBearerToken } from '../../../shared/src/metrics/bearer-token.js';
import type { ItConfig } from '../config/config.js';
import type { SiteLinkStates } from '../sites/sites.js';

export interface ItMetricsDeps {
  readonly config: Pick<ItConfig, 'metrics'>;
  readonly audit: { onAppend(listener: (events: readonly AuditEvent[]) => void): () => void };
  /** Live sessions (protocol and channel are enough). */
  readonly sessions: { list(): readonly { readonly info: { protocol: string; via: string } }[] };
  readonly sites: { list(): readonly { readonly id: string }[] };
  readonly links: SiteLinkStates;
  /** The SIEM forwarder's streams, when one is configured. */
  readonly siem: () => readonly { stream: string; cursor: number; head: number }[];
}

export interface ItMetrics {
  /** False without a token file: the route answers 404. */
  readonly enabled: boolean;
  isAuthorized(authorization: string | undefined): boolean;
  readonly contentType: string;
  render(): Promise<string>;
  close(): void;
}

const LINK_STATES = ['not-enrolled', 'offline', 'online', 'revoked'] as const;

export function createMetrics(deps: ItMetricsDeps): ItMetrics {
  const tokenFile = deps.config.metrics.tokenFile;
  const token = tokenFile === undefined ? undefined : readBearerToken(tokenFile);
  const registry = new Registry();
  registry.setDefaultLabels({ gateway: 'it' });
  collectDefaultMetrics({ register: registry, prefix: 'airlock_' });
  const observe = auditMetrics(registry);
  const unsubscribe = deps.audit.onAppend((events) => events.forEach(observe));
  new Gauge({
    name: 'airlock_sessions_live',
    help: 'Operator sessions open now, by protocol and how the operator came in (ssh, web, forward...).',
    labelNames: ['protocol', 'via'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of deps.sessions.list())
        this.inc({ protocol: s.info.protocol, via: s.info.via });
    },
  });
  new Gauge({
    name: 'airlock_link_state',
    help: "Each site's link: 1 for its current state, 0 for the others.",
    labelNames: ['site', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { id } of deps.sites.list()) {
        const now = deps.links.get(id).state;
        for (const state of LINK_STATES) this.set({ site: id, state }, state === now ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'airlock_link_round_trip_seconds',
    help: 'Round trip of the last link heartbeat (ping to pong), per online site.',
    labelNames: ['site'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { id } of deps.sites.list()) {
        const l = deps.links.get(id);
        if (l.state === 'online' && l.roundTripMs !== undefined)
          this.set({ site: id }, l.roundTripMs / 1000);
      }
    },
  });
  new Gauge({
    name: 'airlock_link_clock_offset_seconds',
    help: 'OT clock minus IT clock, measured from heartbeats, per site.',
    labelNames: ['site'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { id } of deps.sites.list()) {
        const offset = deps.links.get(id).clockOffsetMs;
        if (offset !== null) this.set({ site: id }, offset / 1000);
      }
    },
  });
  new Gauge({
    name: 'airlock_audit_shipping_lag_events',
    help: 'Audit events not yet confirmed by the SIEM collector, per stream (absent without a SIEM).',
    labelNames: ['stream'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of deps.siem()) this.set({ stream: s.stream }, Math.max(0, s.head - s.cursor));
    },
  });
  return {
    enabled: token !== undefined,
    isAuthorized: (header) => token?.isAuthorized(header) ?? false,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    close: unsubscribe,
  };
}
