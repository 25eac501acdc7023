/**
 * The IT gateway's HTTPS face, on one port: the portal (server-rendered pages), the JSON API
 * (/api/v1, with its OpenAPI document), /healthz, the OT gateways' enrollment call, the web
 * terminal's WebSocket, and the WebSocket upgrades other subsystems take on the same port (the
 * link's `/link/...`, handed in as `upgrades`). hono lives here and nowhere else.
 *
 * Guarantees: security headers and a strict CSP on every answer, no caching unless a route says
 * so, a body size limit, CSRF checks on every state-changing form, errors mapped to a status in one
 * place (error-response.ts) and never leaking an internal cause; a request without a recognised
 * session or token has no principal, so every guarded route answers 401. Every page and operation
 * is mounted always; only the SSH hints depend on configuration (none when `ssh.enabled` is
 * false). Not here: the rules themselves (the services check who may do what, again).
 */
import type { Clock } from '../../../shared/src/clock.js';
import type { Logger } from '../../../shared/src/log.js';
import type { Access } from '../access/access.js';
import type { Itsm } from '../itsm/itsm.js';
import type { Audit } from '../audit/audit.js';
import type { Auth } from '../auth/auth.js';
import type { ItConfig } from '../config/config.js';
import type { Notify } from '../notify/notify.js';
import type { Modbus } from '../modbus/modbus.js';
import type { OpcuaPoints } from '../opcua/opcua.js';
import type { Recording } from '../recording/recording.js';
import type { Sessions } from '../sessions/sessions.js';
import type { FirstAdminSetup } from '../setup/setup.js';
import type { OwnerEnrollmentRelay, Sites } from '../sites/sites.js';
import type { Scim } from '../scim/scim.js';
import type { Sso } from '../sso/sso.js';
import type { HealthReporter } from '../status/status.js';
import type { MetricsEndpoint } from './routes/metrics.js';
import type { ItStore } from '../store/store.js';
import { createHttpApp } from './create-http-app.js';
import type { SshHttpFacts } from './http-services.js';
import { listenHttps, type HttpsListener, type UpgradeHandler } from './https-server.js';
import { createSessionAuthenticator } from './session-authenticator.js';
import { createTerminalEndpoint } from './terminal/terminal-endpoint.js';

export type { SshHttpFacts } from './http-services.js';
export type { UpgradeHandler } from './https-server.js';

export type HttpApp = ReturnType<typeof createHttpApp>;

export interface Http {
  /** The application (portal, API, /healthz, enrollment) without a listener: `app.request()`. */
  readonly app: HttpApp;
  /** Listens on the configured host and port; resolves with the bound port. */
  start(): Promise<number>;
  /** Stops taking WebSocket upgrades (refused from now on) and closes the web terminals. */
  stopUpgrades(): void;
  /** Closes the listener and every connection still open. */
  close(): Promise<void>;
}

export interface HttpDeps {
  readonly config: Pick<ItConfig, 'http'>;
  readonly store: Pick<ItStore, 'audit' | 'users' | 'keys'>;
  readonly status: HealthReporter;
  readonly metrics: MetricsEndpoint;
  readonly auth: Auth;
  /** First admin set-up (the set-up page and API). */
  readonly setup: FirstAdminSetup;
  readonly access: Access;
  readonly itsm: Pick<Itsm, 'settings' | 'connectorNames'>;
  readonly sites: Pick<Sites, 'enrollment' | 'discoveryOf' | 'learningOf'>;
  /** OT owners' passkey enrollment, relayed to their site (the enrollment page). */
  readonly ownerEnrollment: OwnerEnrollmentRelay;
  readonly sessions: Sessions;
  readonly modbus: Modbus;
  readonly opcua: OpcuaPoints;
  readonly recording: Pick<Recording, 'library' | 'playback'>;
  readonly audit: Pick<Audit, 'search' | 'exports' | 'evidence' | 'exportApprovals' | 'publicKey'>;
  readonly sso: Sso;
  /** SCIM provisioning (/scim/v2). */
  readonly scim: Scim;
  readonly notify: Pick<Notify, 'settings' | 'pending'>;
  /** The SSH endpoint's hints and host key; undefined when `ssh.enabled` is false. */
  readonly ssh: SshHttpFacts | undefined;
  /** Other subsystems taking WebSocket upgrades on this port (the link). */
  readonly upgrades: readonly { handleUpgrade: UpgradeHandler }[];
  readonly clock: Clock;
  readonly log: Logger;
}

export function createHttp(deps: HttpDeps): Http {
  const { config, store, auth, clock, log } = deps;
  const credentials = { sessions: auth.sessions, users: store.users, clock };
  const app = createHttpApp({
    log,
    audit: store.audit,
    health: deps.status,
    metrics: deps.metrics,
    authenticator: createSessionAuthenticator(credentials),
    enrollment: deps.sites.enrollment,
    scim: deps.scim,
    portal: {
      clock,
      auth,
      access: deps.access,
      itsm: deps.itsm,
      siteEnrollment: deps.sites.enrollment,
      siteDiscovery: deps.sites,
      siteLearning: deps.sites,
      ownerEnrollment: deps.ownerEnrollment,
      sessions: deps.sessions.live,
      modbus: deps.modbus,
      opcuaPoints: deps.opcua,
      recordings: deps.recording.library,
      reviews: deps.sessions.reviews,
      audit: {
        search: deps.audit.search,
        exports: deps.audit.exports,
        evidence: deps.audit.evidence,
        exportApprovals: deps.audit.exportApprovals,
        playback: deps.recording.playback,
        publicKey: deps.audit.publicKey,
      },
      ssh: deps.ssh,
      setup: deps.setup,
      sso: deps.sso,
      notify: deps.notify,
    },
  });
  const terminal = createTerminalEndpoint({
    sessions: deps.sessions.live,
    credentials,
    audit: store.audit,
    clock,
    log: log.child({ component: 'web-terminal' }),
  });
  const upgrades = [...deps.upgrades, terminal];
  let takingUpgrades = true;
  let listener: HttpsListener | undefined;
  return {
    app,
    async start() {
      listener = await listenHttps(
        app,
        store.keys.tls,
        config.http.host,
        config.http.port,
        (req, socket, head) => {
          if (!takingUpgrades) {
            socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
            socket.destroy();
            return true;
          }
          return upgrades.some((u) => u.handleUpgrade(req, socket, head));
        },
      );
      return listener.port;
    },
    stopUpgrades() {
      takingUpgrades = false;
      terminal.close();
    },
    async close() {
      await listener?.close();
    },
  };
}
