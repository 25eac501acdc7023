/**
 * ITSM: service tickets checked against the service-management system, and the ticket told what
 * happened. Owns the connectors named in the config (`itsm.connectors`: the table-API shape of the
 * common platform, and a generic JSON webhook), each site's ITSM settings, the ticket checks
 * access/ runs at request and at approval time, and the work note written when a grant ends.
 *
 * Guarantees: credentials come from key files (0600) and never appear in config values, logs,
 * errors or audit; every exchange has a hard timeout and runs on node's non-blocking fetch; an
 * answer is parsed before use and a malformed one refuses, naming the problem; the ITSM down or
 * slow refuses unless the site chose allow-and-flag (then the request is marked unverified and
 * the OT owners are alerted); every check kept with a request, every refusal and every work note
 * is audited. Not here: the ticket pattern (access/ keeps it as the cheap first check) and the
 * decision to grant (access/ owns it; this only says whether the ticket checks out).
 */
import type { Clock } from '../../../shared/src/clock.js';
import type { Logger } from '../../../shared/src/log.js';
import type { ItConfig } from '../config/config.js';
import type { Notify } from '../notify/notify.js';
import type { ItStore } from '../store/store.js';
import type { ItsmConnector } from './connector.js';
import { authorizationFrom } from './credentials.js';
import { SiteItsmSettingsService } from './site-settings.js';
import { createTableApiConnector } from './table-api-connector.js';
import { TicketChecks } from './ticket-checks.js';
import { createWebhookConnector } from './webhook-connector.js';
import { WorkNotes } from './work-note.js';

export type { TicketRecord } from './connector.js';
export type { CheckInput, ItsmCheckView, ItsmVerdict, TicketChecks } from './ticket-checks.js';
export type { SettingsChange, SiteItsmSettingsService } from './site-settings.js';
export { composeWorkNote, type WorkNoteFacts } from './work-note.js';

export interface Itsm {
  /** The checks access/ runs at request and approval time. */
  readonly checks: TicketChecks;
  /** Each site's ITSM settings (admin). */
  readonly settings: SiteItsmSettingsService;
  /** The connector names configured on this gateway. */
  connectorNames(): string[];
  /** A grant ended: write its work note when the site wants one (never throws). */
  grantEnded(grantId: string): Promise<void>;
  /** Waits for work notes under way (stop, and tests). */
  idle(): Promise<void>;
}

export interface ItsmFactoryDeps {
  readonly config: Pick<ItConfig, 'itsm' | 'http'>;
  readonly store: Pick<
    ItStore,
    'db' | 'audit' | 'itsm' | 'sites' | 'users' | 'grants' | 'requests' | 'otAudit'
  >;
  readonly notify: Pick<Notify, 'notifier'>;
  readonly clock: Clock;
  readonly log: Logger;
  /** Tests may inject one; defaults to the platform fetch (undici). */
  readonly fetch?: typeof fetch | undefined;
}

export function createItsm(d: ItsmFactoryDeps): Itsm {
  const { store, clock } = d;
  const log = d.log.child({ component: 'itsm' });
  const doFetch = d.fetch ?? fetch;
  const configured = d.config.itsm.connectors;
  // Credentials are read when a connector is first used, so a key file fixed after start is
  // picked up, and a bad one refuses checks (naming the file) instead of stopping the gateway.
  const connector = (name: string): ItsmConnector | undefined => {
    const c = configured[name];
    if (c === undefined) return undefined;
    const authorization = authorizationFrom(c.credentialsFile);
    const common = { name, url: c.url, authorization, timeoutMs: c.timeoutMs, fetch: doFetch };
    return c.type === 'table-api'
      ? createTableApiConnector(common)
      : createWebhookConnector(common);
  };
  const host = d.config.http.host.includes(':') ? `[${d.config.http.host}]` : d.config.http.host;
  const portalUrl = d.config.http.publicUrl ?? `https://${host}:${d.config.http.port}`;
  const checks = new TicketChecks({
    store: store.itsm,
    users: store.users,
    audit: store.audit,
    notifier: d.notify.notifier,
    clock,
    log,
    connector,
  });
  const notes = new WorkNotes({
    store: store.itsm,
    grants: store.grants,
    requests: store.requests,
    users: store.users,
    otAudit: store.otAudit,
    audit: store.audit,
    clock,
    log,
    connector,
    portalUrl,
  });
  const pending = new Set<Promise<void>>();
  return {
    checks,
    settings: new SiteItsmSettingsService({
      db: store.db,
      store: store.itsm,
      sites: store.sites,
      audit: store.audit,
      clock,
      connectorNames: () => Object.keys(configured),
    }),
    connectorNames: () => Object.keys(configured),
    grantEnded(grantId) {
      const p = notes
        .grantEnded(grantId)
        .then(() => undefined)
        .catch((e: unknown) => log.error('work note failed', { grantId, err: e }))
        .finally(() => pending.delete(p));
      pending.add(p);
      return p;
    },
    async idle() {
      await Promise.all([...pending]);
    },
  };
}
