/**
 * The IT gateway's composition root: one factory call per subsystem, in an order where nothing is
 * used before it is made, each handed what it needs explicitly (warpgate's `Services`). Where two
 * subsystems need each other, one registers a listener with the other: sessions/ registers its
 * review inbox with the link and its session-end listener with access/, the link registers for
 * sites/' revocations, and access/ ends a disabled account's grants and requests on auth/'s word. Nothing below reads the environment or global state: the clock, ids, logger
 * and, for tests, the site commands and fetch come in through `ItDeps`.
 *
 * `createItGateway` opens state (database, keys, certificate) and builds everything without
 * listening (the CLI's admin commands use it so); `start` opens the listeners and timers; `stop`
 * closes them, then the audit log (signing a final checkpoint) and the database.
 */
import type { Clock } from '../../shared/src/clock.js';
import { tuneHeapGrowth } from '../../shared/src/runtime/heap-growth.js';
import type { IdGenerator } from '../../shared/src/ids.js';
import type { Logger } from '../../shared/src/log.js';
import { omitUndefined } from '../../shared/src/omit-undefined.js';
import { AIRLOCK_VERSION } from '../../shared/src/version.js';
import { createAccess, type Access } from './access/access.js';
import { createAudit, type Audit } from './audit/audit.js';
import { createAuth, type Auth } from './auth/auth.js';
import type { ItConfig } from './config/config.js';
import { createHttp, type Http, type HttpApp } from './http/http.js';
import { createItsm, type Itsm } from './itsm/itsm.js';
import { createLinks, type Links } from './link/link.js';
import { createMetrics, type ItMetrics } from './metrics/metrics.js';
import { createModbus } from './modbus/modbus.js';
import { createNotify, type Notify } from './notify/notify.js';
import { createOpcua } from './opcua/opcua.js';
import { createRecording, type Recording } from './recording/recording.js';
import { createSessions, type Sessions } from './sessions/sessions.js';
import { createSetup, type FirstAdminSetup } from './setup/setup.js';
import { createSites, OwnerEnrollmentRelay, type SiteCommands, type Sites } from './sites/sites.js';
import { createScim, type Scim } from './scim/scim.js';
import { createSsh, type Ssh } from './ssh/ssh.js';
import { createSso, type Sso } from './sso/sso.js';
import { createStatus } from './status/status.js';
import { createStore, type ItStore } from './store/store.js';

export interface ItDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
  /** What the gateway asks of sites; by default the link. Tests inject a recording fake. */
  readonly siteCommands?: SiteCommands;
  /** For the webhook notifier; tests may inject one. */
  readonly fetch?: typeof fetch;
}

/** The gateway's subsystems, as built (tests and the CLI reach the services through them). */
export interface ItServices {
  readonly config: ItConfig;
  readonly store: ItStore;
  readonly auth: Auth;
  /** Single sign-on with OpenID Connect providers (none configured: no buttons, no routes answer). */
  readonly sso: Sso;
  /** SCIM provisioning for the providers with a SCIM token (joiners, movers, leavers). */
  readonly scim: Scim;
  /** First admin set-up with a one-time code shown on the console (no default password). */
  readonly setup: FirstAdminSetup;
  readonly notify: Notify;
  /** ITSM connectors, site settings, ticket checks and work notes. */
  readonly itsm: Itsm;
  readonly recording: Recording;
  readonly audit: Audit;
  readonly sites: Sites;
  readonly links: Links;
  /** What the gateway asks of sites: the link's commands, or those injected through ItDeps. */
  readonly siteCommands: SiteCommands;
  readonly access: Access;
  readonly sessions: Sessions;
  /** Undefined when `ssh.enabled` is false. */
  readonly ssh: Ssh | undefined;
  readonly http: Http;
  /** Prometheus /metrics (off without metrics.tokenFile). */
  readonly metrics: ItMetrics;
}

export interface RunningItGateway {
  readonly httpsPort: number;
  readonly url: string;
  readonly tlsFingerprint: string;
  /** The SSH endpoint's port and host key fingerprint (`SHA256:...`), when it is enabled. */
  readonly ssh?: {
    readonly port: number;
    readonly fingerprint: string;
    readonly publicKey: string;
  };
  /** The one-time set-up code issued by this start (no admin yet and `setup.oneTimeCode` on), to show once. */
  readonly setupCode?: string;
}

export interface ItGateway {
  readonly services: ItServices;
  /** The HTTP application (portal and API) without a listener, for in-process tests. */
  httpApp(): HttpApp;
  start(): Promise<RunningItGateway>;
  stop(): Promise<void>;
}

/** Opens state (database, keys, certificate) and builds every subsystem, without listening. */
export async function createItGateway(config: ItConfig, deps: ItDeps): Promise<ItGateway> {
  tuneHeapGrowth();
  const store = await createStore({ config, clock: deps.clock, ids: deps.ids });
  let services: ItServices;
  try {
    services = compose(config, store, deps);
  } catch (e) {
    store.close();
    throw e;
  }
  return runnable(services, deps);
}

/** Each subsystem from those built before it: nothing is used before it is made. */
function compose(config: ItConfig, store: ItStore, deps: ItDeps): ItServices {
  const base = { clock: deps.clock, ids: deps.ids, log: deps.log };
  const auth = createAuth({ ...base, config, store });
  const sso = createSso({ ...base, config, store, auth });
  const scim = createScim({ ...base, config, store, auth });
  const setup = createSetup({ ...base, store, auth });
  const notify = createNotify({ ...base, config, store, fetch: deps.fetch });
  const recording = createRecording({ ...base, config, store });
  const audit = createAudit({ ...base, config, store, recording, notify });
  const sites = createSites({ ...base, store });
  const links = createLinks({ ...base, config, store, audit, recording, sites });
  const siteCommands = deps.siteCommands ?? links;
  const itsm = createItsm({ ...base, config, store, notify, fetch: deps.fetch });
  const access = createAccess({
    ...base,
    config,
    store,
    notify,
    itsm,
    siteCommands,
    links,
    relyingParty: () => auth.passkeys.relyingParty(),
  });
  // A grant that ends gets its work note (itsm/ sits below access/, so access tells it here).
  access.onSessionsEnd((e) => {
    if (e.type === 'grant') void itsm.grantEnded(e.grantId);
  });
  // A disabled account (admin, CLI or SCIM leaver) loses its grants and pending requests at once
  // (auth/ sits below access/, so auth tells access here).
  auth.userAdmin.onDisable((user, actor) => void access.endAccessOf(user, actor));
  // Any account change (admin, CLI, SSO login or SCIM) can change who may approve: pending
  // requests' quorum flags are judged again, in the change's transaction.
  auth.userAdmin.accountChanges.on((change) => access.accountsChanged(change));
  const sessions = createSessions({ ...base, store, access, siteCommands, links });
  const modbus = createModbus({ sessions });
  const opcua = createOpcua({ ...base, config, sessions });
  const ssh = config.ssh.enabled
    ? createSsh({ ...base, config, store, auth, access, sessions })
    : undefined;
  const status = createStatus({ ...base, store, links, ssh });
  const metrics = createMetrics({
    config,
    audit: store.audit,
    sessions: sessions.live,
    sites: store.sites,
    links,
    siem: () => audit.siem?.status().streams ?? [],
  });
  const ownerEnrollment = new OwnerEnrollmentRelay({
    audit: store.audit,
    commands: siteCommands,
    relyingParty: () => auth.passkeys.relyingParty(),
  });
  const http = createHttp({
    ...base,
    ownerEnrollment,
    config,
    store,
    status,
    metrics,
    auth,
    setup,
    access,
    itsm,
    sites,
    sessions,
    modbus,
    opcua,
    recording,
    audit,
    ssh,
    sso,
    scim,
    notify,
    upgrades: [links],
  });
  return {
    config,
    store,
    auth,
    sso,
    scim,
    setup,
    notify,
    itsm,
    recording,
    audit,
    sites,
    links,
    siteCommands,
    access,
    sessions,
    ssh,
    metrics,
    http,
  };
}

/** Start in dependency order; stop ends the sessions before their links, the links before HTTPS. */
function runnable(s: ItServices, deps: ItDeps): ItGateway {
  const { config, store } = s;
  let listening = false;
  let stopped = false;
  return {
    services: s,
    httpApp: () => s.http.app,
    async start() {
      const httpsPort = await s.http.start();
      listening = true;
      s.access.start();
      const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
      const url = config.http.publicUrl ?? `https://${host}:${httpsPort}`;
      s.notify.start();
      const sshPort = await s.ssh?.start(url);
      s.auth.start();
      store.audit.append({
        action: 'gateway.start',
        actor: 'system:it',
        outcome: 'success',
        details: { version: AIRLOCK_VERSION, httpsPort },
      });
      const tlsFingerprint = store.keys.tls.fingerprint;
      s.audit.start();
      const setupCode = config.setup.oneTimeCode ? s.setup.issueIfNeeded() : undefined;
      deps.log.info('IT gateway listening', {
        url,
        tlsFingerprintSha256: tlsFingerprint,
        version: AIRLOCK_VERSION,
      });
      const ssh =
        s.ssh === undefined || sshPort === undefined
          ? {}
          : { ssh: { port: sshPort, ...s.ssh.hostKey } };
      return { httpsPort, url, tlsFingerprint, ...ssh, ...omitUndefined({ setupCode }) };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      s.access.stop();
      s.auth.stop();
      s.http.stopUpgrades();
      s.sessions.close('IT gateway stopping');
      await s.ssh?.close();
      await s.links.close('IT gateway stopping');
      await s.http.close();
      await s.itsm.idle();
      await s.notify.close();
      if (listening)
        store.audit.append({ action: 'gateway.stop', actor: 'system:it', outcome: 'success' });
      // gateway.stop may not reach the collector now; it stays behind the cursor and goes out
      // at the next start.
      await s.audit.stop();
      s.metrics.close();
      store.close();
    },
  };
}
