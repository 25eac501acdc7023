/**
 * The OT gateway's Prometheus metrics (prom-client, a registry of its own) on a listener of its
 * own: sessions live by protocol, session events by protocol and state, the link's state, audit
 * events appended, login failures and refusals by code (from the audit log's append listener:
 * shared/src/metrics/audit-metrics.ts), the audit shipping lag (events the IT gateway has not
 * acknowledged) and the recording backlog (closed recordings not yet acknowledged). Gauges are
 * read from the services at scrape time; nothing else in the gateway imports prom-client.
 *
 * Guarantees: without a `metrics` section there is no listener; with one, only
 * `Authorization: Bearer <token>` gets the metrics (401 otherwise, 404 for any other path), and
 * only GET. Plain HTTP on 127.0.0.1 by default: expose it on a management network only. Not here:
 * anything of the plant (no addresses, no user names as labels).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import type { Logger } from '../../../shared/src/log.js';
import { auditMetrics } from '../../../shared/src/metrics/audit-metrics.js';
import { readBearerToken } from '../../../shared/src/metrics/bearer-token.js';
import type { OtConfig } from '../config/config.js';

export interface OtMetricsDeps {
  readonly config: Pick<OtConfig, 'metrics'>;
  readonly audit: { onAppend(listener: (events: readonly AuditEvent[]) => void): () => void };
  readonly sessions: { liveByProtocol(): ReadonlyMap<string, number> };
  readonly link: { readonly state: string };
  /** Audit events appended but not acknowledged by the IT gateway. */
  readonly auditPending: () => number;
  /** Closed recordings the IT gateway has not acknowledged. */
  readonly recordingsUnsent: () => number;
  readonly log: Logger;
}

export interface OtMetrics {
  /** Opens the listener when configured; resolves to its port (undefined: no listener). */
  start(): Promise<number | undefined>;
  /** The listener's port while it listens. */
  readonly port: number | undefined;
  stop(): Promise<void>;
}

const LINK_STATES = ['stopped', 'not-enrolled', 'connecting', 'online', 'waiting'] as const;
/** Bounds what one scrape can make this gateway do. */
const REQUEST_TIMEOUT_MS = 10_000;

export function createMetrics(deps: OtMetricsDeps): OtMetrics {
  const cfg = deps.config.metrics;
  const registry = new Registry();
  registry.setDefaultLabels({ gateway: 'ot' });
  collectDefaultMetrics({ register: registry, prefix: 'airlock_' });
  const observe = auditMetrics(registry);
  let unsubscribe: (() => void) | undefined;
  new Gauge({
    name: 'airlock_sessions_live',
    help: 'Sessions open now on this site, by protocol.',
    labelNames: ['protocol'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [protocol, n] of deps.sessions.liveByProtocol()) this.set({ protocol }, n);
    },
  });
  new Gauge({
    name: 'airlock_link_state',
    help: 'The link to the IT gateway: 1 for its current state, 0 for the others.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const now = deps.link.state;
      for (const state of LINK_STATES) this.set({ state }, state === now ? 1 : 0);
    },
  });
  new Gauge({
    name: 'airlock_audit_shipping_lag_events',
    help: 'Audit events the IT gateway has not acknowledged yet.',
    registers: [registry],
    collect() {
      this.set(deps.auditPending());
    },
  });
  new Gauge({
    name: 'airlock_recording_backlog',
    help: 'Closed session recordings the IT gateway has not acknowledged yet.',
    registers: [registry],
    collect() {
      this.set(deps.recordingsUnsent());
    },
  });
  let server: Server | undefined;
  return {
    get port() {
      const a = server?.address();
      return typeof a === 'object' && a !== null ? a.port : undefined;
    },
    async start() {
      unsubscribe = deps.audit.onAppend((events) => events.forEach(observe));
      if (cfg === undefined) return undefined;
      const token = readBearerToken(cfg.tokenFile);
      const s = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, (req, res) => {
        const answer = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
          res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
          res.end(body);
        };
        if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics')
          return answer(404, 'not found\n');
        if (!token.isAuthorized(req.headers.authorization)) {
          res.setHeader('www-authenticate', 'Bearer');
          return answer(
            401,
            'GET /metrics needs Authorization: Bearer <the token in metrics.tokenFile>\n',
          );
        }
        registry.metrics().then(
          (text) => answer(200, text, registry.contentType),
          (e: unknown) => {
            deps.log.error('metrics could not be collected', { err: e });
            answer(500, 'metrics could not be collected\n');
          },
        );
      });
      s.on('clientError', (_e, socket) => socket.destroy());
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(cfg.port, cfg.host, () => {
          s.off('error', reject);
          resolve();
        });
      });
      s.on('error', (e) => deps.log.error('metrics listener error', { err: e }));
      server = s;
      return (s.address() as AddressInfo).port;
    },
    async stop() {
      unsubscribe?.();
      const s = server;
      server = undefined;
      if (s === undefined) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
