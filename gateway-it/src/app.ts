/**
 * The IT gateway's composition root: builds every service once, from config and injected clock,
 * ids and logger, and passes them down explicitly (warpgate's `Services`). Nothing below here reads
 * the environment or global state. `start` opens the listeners; `stop` closes them and then the
 * audit log (signing a final checkpoint) and the database.
 */
import { join } from 'node:path';
import { AuditLog } from '../../shared/src/audit/audit-log.js';
import type { Clock, TimerHandle } from '../../shared/src/clock.js';
import type { IdGenerator } from '../../shared/src/ids.js';
import type { Logger } from '../../shared/src/log.js';
import type { Db } from '../../shared/src/store/open-database.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import {
  loadOrCreateSigningKey,
  readSecretFile,
  writeSecretFile,
} from '../../shared/src/crypto/key-file.js';
import { generateAeadKey, AEAD_KEY_BYTES } from '../../shared/src/crypto/aead.js';
import type { SigningKeyPair } from '../../shared/src/crypto/signing.js';
import { loadOrCreateTlsIdentity, type TlsIdentity } from '../../shared/src/crypto/tls-identity.js';
import { existsSync } from 'node:fs';
import { AIRLOCK_VERSION } from '../../shared/src/version.js';
import { AirlockError } from '../../shared/src/errors.js';
import type { ItConfig } from './config/it-config.js';
import { openItDatabase } from './store/it-database.js';
import { SiteStore } from './store/site-store.js';
import { UserStore } from './store/user-store.js';
import type { UserAdmin } from './auth/user-admin.js';
import { createHttpApp } from './http/create-http-app.js';
import { listenHttps, type HttpsListener } from './http/https-server.js';
import { createHealthReporter } from './status/health-report.js';
import type { SiteLinkStates } from './link/site-link-state.js';
import type { SiteCommands } from './link/site-commands.js';
import { SiteLinks } from './link/site-links.js';
import { LinkAuthenticator } from './link/link-authenticator.js';
import { attachLinkEndpoint, type LinkEndpoint } from './link/link-endpoint.js';
import { AssetCatalogueStore } from './store/asset-catalogue-store.js';
import { SiteGatewayStore } from './store/site-gateway-store.js';
import { OtAuditStore } from './store/ot-audit-store.js';
import { OtAuditIngest } from './audit/ot-audit-ingest.js';
import { RecordingIngest } from './recording/recording-ingest.js';
import { RecordingLibrary } from './recording/recording-library.js';
import { RecordingStore } from './store/recording-store.js';
import { SiteEnrollment } from './sites/site-enrollment.js';
import { updateSiteCatalogue } from './sites/site-catalogue.js';
import { AccessRequestStore } from './store/access-request-store.js';
import { GrantStore } from './store/grant-store.js';
import { SitePolicyStore } from './store/site-policy-store.js';
import { WindowStore } from './store/window-store.js';
import { createAuthServices, type AuthServices } from './auth/auth-services.js';
import { createAccessServices, type AccessServices } from './access/access-services.js';
import { AccessViews } from './access/views.js';
import { noNotifications, type Notifier } from './notify/notification.js';
import { WebhookNotifier } from './notify/webhook-notifier.js';
import { otAlertNotifications } from './notify/ot-alerts.js';
import type { AuditEvent } from '../../shared/src/audit/audit-event.js';
import { createSessionAuthenticator } from './http/session-authenticator.js';
import { ingestedSiteEvents, sqliteAuditChain, type SiteEventSource } from './audit/audit-chain.js';
import { recordingArtifacts } from './audit/recording-artifacts.js';
import { PlaybackApprovals } from './recording/playback-approvals.js';
import { toBase64Url } from '../../shared/src/crypto/encoding.js';
import { ExportJobs } from './audit/export-jobs.js';
import { AuditSearch } from './audit/audit-search.js';
import { SiemForwarder } from './audit/siem/siem-forwarder.js';
import { hostname } from 'node:os';
import {
  attachTerminalEndpoint,
  type TerminalEndpoint,
} from './http/terminal/terminal-endpoint.js';
import { OpcuaPoints } from './opcua/opcua-points.js';
import { OperatorSessions, withLocalSessionEnd } from './sessions/operator-sessions.js';
import { loadOrCreateSshHostKey, type SshHostKey } from './ssh/ssh-host-key.js';
import { startSshEndpoint, type SshEndpoint } from './ssh/ssh-endpoint.js';
import { CommandReviews } from './sessions/command-reviews.js';
import { ReviewStore } from './store/review-store.js';
import { omitUndefined } from '../../shared/src/omit-undefined.js';
import { SetupCodeStore } from './store/setup-code-store.js';
import { createFirstAdminSetup, type FirstAdminSetup } from './setup/setup.js';

export interface ItDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
  /** What the access services ask of sites; the link server provides it (tests pass a recording fake). */
  readonly siteCommands?: SiteCommands;
  /** For the webhook notifier; tests may inject one. */
  readonly fetch?: typeof fetch;
}

export interface ItServices {
  readonly config: ItConfig;
  readonly db: Db;
  readonly audit: AuditLog;
  readonly sites: SiteStore;
  readonly users: UserStore;
  readonly userAdmin: UserAdmin;
  readonly tls: TlsIdentity;
  /** Signs audit checkpoints and export manifests. */
  readonly auditKey: SigningKeyPair;
  /** Signs session tickets; its public key is what OT gateways trust. */
  readonly grantKey: SigningKeyPair;
  readonly links: SiteLinkStates;
  /** Each site's published asset catalogue (kept current by the link). */
  readonly catalogue: AssetCatalogueStore;
  /** Login, MFA, sessions, tokens, user administration. */
  readonly auth: AuthServices;
  /** Requests, approvals, windows, schedules, grants, break-glass, lockdown, access check, tickets. */
  readonly access: AccessServices;
  /** Commands to sites' OT gateways (lockdown, ending sessions, opening a session for a ticket). */
  readonly siteCommands: SiteCommands;
  readonly notifier: Notifier;
  readonly gateways: SiteGatewayStore;
  readonly enrollment: SiteEnrollment;
  /** Each OT gateway's audit chain as ingested over the link. */
  readonly otAudit: OtAuditStore;
  /** Each site's OT audit chain as ingested (the link's ingest provides it; none until then). */
  readonly siteEvents: SiteEventSource;
  /** Signed per-site export bundles (the portal's export page). */
  readonly exports: ExportJobs;
  /** The auditor's search and asset/time page (audits each call). */
  readonly auditSearch: AuditSearch;
  /** Live forwarding to the SIEM collector, when `siem` is configured (started with the gateway). */
  readonly siem: SiemForwarder | undefined;
  /** Opens operator sessions (access check, ticket, site) and keeps the registry of live ones. */
  readonly sessions: OperatorSessions;
  /** Session recordings shipped by the sites over the link (store and forward, hash-checked). */
  readonly recordings: RecordingIngest;
  /** The SSH endpoint's host key (undefined when `ssh.enabled` is false). */
  readonly sshHostKey: SshHostKey | undefined;
  /** Command lines the sites hold for an OT owner's review (shown to that site's owners, decided, sent back). */
  readonly reviews: CommandReviews;
  /** First admin set-up with a one-time code shown on the console (no default password). */
  readonly setup: FirstAdminSetup;
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
  httpApp(): ReturnType<typeof createHttpApp>;
  start(): Promise<RunningItGateway>;
  stop(): Promise<void>;
}

function loadOrCreateAeadKey(path: string): Uint8Array {
  if (!existsSync(path)) writeSecretFile(path, generateAeadKey());
  return readSecretFile(path, AEAD_KEY_BYTES);
}

/** The webhook's HMAC key: a 0600 file of at least 16 bytes (e.g. `head -c 32 /dev/urandom`). */
function readWebhookSecret(path: string): Uint8Array {
  const secret = readSecretFile(path);
  if (secret.length < 16)
    throw new AirlockError(
      'bad_request',
      'notify.short_secret',
      `webhook secret file ${path} holds ${secret.length} bytes; use at least 16 random bytes`,
    );
  return secret;
}

/** Where the portal's certificate and key are: the config's, or the self-signed pair in the data directory. */
export function tlsPathsOf(config: ItConfig): { certFile: string; keyFile: string } {
  return {
    certFile: config.tls.certFile ?? join(config.dataDir, 'tls', 'it-gateway.crt'),
    keyFile: config.tls.keyFile ?? join(config.dataDir, 'tls', 'it-gateway.key'),
  };
}

/** Opens state (database, keys, certificate) without listening; the CLI's admin commands use this too. */
export async function createItGateway(config: ItConfig, deps: ItDeps): Promise<ItGateway> {
  await initCrypto();
  const keysDir = join(config.dataDir, 'keys');
  const auditKey = loadOrCreateSigningKey(join(keysDir, 'audit-signing.key'));
  const grantKey = loadOrCreateSigningKey(join(keysDir, 'grant-signing.key'));
  const secretsKey = loadOrCreateAeadKey(join(keysDir, 'secrets.key'));
  const tlsPaths = tlsPathsOf(config);
  const tls = await loadOrCreateTlsIdentity({
    certPath: tlsPaths.certFile,
    keyPath: tlsPaths.keyFile,
    hostnames: config.tls.hostnames,
    commonName: 'airlock-it',
  });
  const sshHostKey = config.ssh.enabled
    ? loadOrCreateSshHostKey(config.ssh.hostKeyFile ?? join(keysDir, 'ssh-host-ed25519.key'))
    : undefined;
  const db = openItDatabase(config.dataDir);
  const audit = new AuditLog({
    db,
    clock: deps.clock,
    ids: deps.ids,
    signingKey: auditKey,
    checkpointEvery: config.audit.checkpointEvery,
    checkpointIntervalMs: config.audit.checkpointIntervalSeconds * 1000,
  });
  const sites = new SiteStore(db);
  const users = new UserStore(db);
  const catalogue = new AssetCatalogueStore(db);
  const auth = createAuthServices({
    db,
    audit,
    clock: deps.clock,
    ids: deps.ids,
    users,
    sites,
    secretsKey,
    issuer: 'Airlock',
    config: config.auth,
  });
  const userAdmin: UserAdmin = auth.userAdmin;
  const setup = createFirstAdminSetup({
    db,
    audit,
    clock: deps.clock,
    ids: deps.ids,
    codes: new SetupCodeStore(db),
    createAdmin: (input, actor) => {
      const created = userAdmin.createUser(
        { ...input, roles: [{ role: 'admin' }], mfa: 'at-first-login' },
        actor,
      );
      return { id: created.user.id, name: created.user.name };
    },
  });
  const gateways = new SiteGatewayStore(db);
  const otAudit = new OtAuditStore(db);
  // Ingested OT events flagged as alerts go to the site's OT owners (notifier and access are built below; called only once running).
  const ingest = new OtAuditIngest({
    db,
    audit,
    store: otAudit,
    clock: deps.clock,
    onIngested: (site, events) => notifyOtAlerts(site, events),
  });
  const recordingStore = new RecordingStore(db);
  const recordings = new RecordingIngest({
    db,
    audit,
    store: recordingStore,
    clock: deps.clock,
    log: deps.log.child({ component: 'recordings' }),
    dir: join(config.dataDir, 'recordings'),
  });
  // Four-eyes playback: the library asks it before any recording plays.
  const playback = new PlaybackApprovals({
    db,
    audit,
    clock: deps.clock,
    ids: deps.ids,
    siteExists: (site) => sites.get(site) !== undefined,
    recording: (id) => recordingStore.get(id),
  });
  const recordingLibrary = new RecordingLibrary({
    store: recordingStore,
    audit,
    pathOf: (site, id) => recordings.pathOf(site, id),
    playback,
  });
  const linkLog = deps.log.child({ component: 'link' });
  // Declared before the link (it hands held lines over) and reaching the sessions and the site
  // commands lazily, as those are built below.
  let sessions: OperatorSessions | undefined;
  const reviews = new CommandReviews({
    db,
    audit,
    store: new ReviewStore(db),
    clock: deps.clock,
    ids: deps.ids,
    log: deps.log.child({ component: 'reviews' }),
    sessionOf: (id) => sessions?.get(id)?.info,
    deliver: (site, m) => baseCommands.sendReviewDecision?.(site, m) ?? false,
  });
  const siteLinks = new SiteLinks({
    clock: deps.clock,
    log: linkLog,
    audit,
    gateways,
    openTimeoutMs: config.link.openTimeoutSeconds * 1000,
    commandTimeoutMs: config.link.commandTimeoutSeconds * 1000,
    control: {
      clock: deps.clock,
      log: linkLog,
      audit,
      ingest,
      recordings,
      reviews,
      gateways,
      updateCatalogue: (site, gatewayId, assets) =>
        updateSiteCatalogue(
          { db, audit, catalogues: catalogue, clock: deps.clock },
          site,
          gatewayId,
          assets,
        ),
      heartbeatMs: Math.round(config.link.heartbeatSeconds * 1000),
      offlineAfterMs: Math.round(config.link.offlineAfterSeconds * 1000),
    },
  });
  const enrollment = new SiteEnrollment({
    db,
    audit,
    sites,
    gateways,
    clock: deps.clock,
    ids: deps.ids,
    grantPublicKey: grantKey.publicKey,
    tlsFingerprint: tls.fingerprint,
    onRevoked: (site) => siteLinks.disconnectSite(site, 'gateway revoked'),
  });
  const links: SiteLinkStates = siteLinks;
  // Tests of the access workflow inject a recording SiteCommands; otherwise commands go over the link.
  const baseCommands: SiteCommands = deps.siteCommands ?? siteLinks;
  // Revocation and lockdown also cut the local side of live sessions, link or no link.
  const siteCommands: SiteCommands = withLocalSessionEnd(baseCommands, () => sessions);
  const webhook = config.notifications.webhook;
  const notifier: Notifier & { close?: () => Promise<void> } =
    webhook === undefined
      ? noNotifications
      : new WebhookNotifier(
          {
            url: webhook.url,
            secret: readWebhookSecret(webhook.secretFile),
            timeoutMs: webhook.timeoutSeconds * 1000,
            maxAttempts: webhook.maxAttempts,
            initialBackoffMs: webhook.initialBackoffSeconds * 1000,
          },
          {
            audit,
            clock: deps.clock,
            ids: deps.ids,
            log: deps.log.child({ component: 'webhook' }),
            ...omitUndefined({ fetch: deps.fetch }),
          },
        );
  const requests = new AccessRequestStore(db);
  const grants = new GrantStore(db);
  const access = createAccessServices(
    {
      db,
      audit,
      clock: deps.clock,
      ids: deps.ids,
      log: deps.log.child({ component: 'access' }),
      users,
      sites,
      catalogue,
      requests,
      grants,
      windows: new WindowStore(db),
      policies: new SitePolicyStore(db),
      views: new AccessViews(requests, grants, users),
      notifier,
      siteCommands,
      limits: {
        maxRequestMs: config.access.maxRequestHours * 3_600_000,
        breakGlassMaxMs: config.access.breakGlassMaxHours * 3_600_000,
      },
    },
    { grantKey, audit, links: () => services.links },
  );
  const notifyOtAlerts = (site: string, events: readonly AuditEvent[]): void => {
    try {
      for (const n of otAlertNotifications(site, events, access.requests.owners(site)))
        notifier.notify(n);
    } catch (e) {
      deps.log.error('could not notify OT alerts', { site, err: e });
    }
  };
  // The audit services read each site's OT chain as the link ingested it.
  const siteEvents: SiteEventSource = ingestedSiteEvents(db, (site) => gateways.latest(site));
  const itChain = sqliteAuditChain(db, auditKey.publicKey);
  const auditSearch = new AuditSearch({ audit, itChain, siteEvents });
  const exports = new ExportJobs({
    audit,
    itChain,
    siteEvents,
    artifacts: recordingArtifacts({
      store: recordingStore,
      pathOf: (site, id) => recordings.pathOf(site, id),
    }),
    signingKey: auditKey,
    clock: deps.clock,
    ids: deps.ids,
    exportDir: join(config.dataDir, 'exports'),
    siteExists: (site) => sites.get(site) !== undefined,
  });
  const siemConfig = config.siem;
  const siem =
    siemConfig === undefined
      ? undefined
      : new SiemForwarder({
          db,
          audit,
          itChain,
          siteEvents,
          clock: deps.clock,
          log: deps.log.child({ component: 'siem' }),
          target: {
            host: siemConfig.host,
            port: siemConfig.port,
            caFile: siemConfig.caFile,
            timeoutMs: siemConfig.timeoutSeconds * 1000,
            ...omitUndefined({ serverName: siemConfig.serverName }),
            ...(siemConfig.certFingerprint === undefined
              ? {}
              : { certFingerprint: siemConfig.certFingerprint }),
            ...(siemConfig.clientCertFile === undefined || siemConfig.clientKeyFile === undefined
              ? {}
              : {
                  clientCertFile: siemConfig.clientCertFile,
                  clientKeyFile: siemConfig.clientKeyFile,
                }),
          },
          syslog: {
            facility: siemConfig.facility,
            hostname: siemConfig.hostname ?? hostname(),
            enterpriseId: siemConfig.enterpriseId,
            payload: siemConfig.payload,
            version: AIRLOCK_VERSION,
          },
          forward: siemConfig.forward,
          startAt: siemConfig.startAt,
          batchEvents: siemConfig.batchEvents,
          retryMinMs: siemConfig.retryMinSeconds * 1000,
          retryMaxMs: siemConfig.retryMaxSeconds * 1000,
          pollMs: siemConfig.pollSeconds * 1000,
        });
  const liveSessions = new OperatorSessions({
    tickets: access.tickets,
    siteCommands: baseCommands,
    userName: (id) => users.getById(id)?.name,
    audit,
    clock: deps.clock,
    log: deps.log.child({ component: 'sessions' }),
  });
  sessions = liveSessions;
  const services: ItServices = {
    config,
    db,
    audit,
    sites,
    users,
    userAdmin,
    tls,
    auditKey,
    grantKey,
    links,
    catalogue,
    auth,
    access,
    siteCommands,
    notifier,
    gateways,
    enrollment,
    otAudit,
    siteEvents,
    exports,
    auditSearch,
    siem,
    sessions: liveSessions,
    sshHostKey,
    recordings,
    reviews,
    setup,
  };
  // Declared before the portal so its connect hints show the port the endpoint really bound (0 = any in tests).
  let sshEndpoint: SshEndpoint | undefined;
  const buildApp = (): ReturnType<typeof createHttpApp> =>
    createHttpApp({
      log: deps.log,
      health: createHealthReporter({
        clock: deps.clock,
        sites,
        links: () => services.links,
        tlsFingerprint: tls.fingerprint,
        ...omitUndefined({ sshHostKeyFingerprint: sshHostKey?.fingerprint }),
        startedAt: deps.clock.now(),
      }),
      authenticator: createSessionAuthenticator({
        sessions: auth.sessions,
        users,
        clock: deps.clock,
      }),
      portal: {
        clock: deps.clock,
        auth,
        access,
        siteEnrollment: enrollment,
        sessions: liveSessions,
        opcuaPoints: new OpcuaPoints({
          sessions: liveSessions,
          pkiDir: join(config.dataDir, 'opcua-portal-pki'),
          log: deps.log.child({ component: 'opcua-portal' }),
        }),
        recordings: recordingLibrary,
        auditSearch,
        reviews,
        setup,
        audit: {
          search: auditSearch,
          exports,
          playback,
          publicKey: toBase64Url(auditKey.publicKey),
        },
        ...(sshHostKey === undefined
          ? {}
          : {
              sshHint: sshHintFor(config, () => sshEndpoint?.port),
              sshHostKey: { fingerprint: sshHostKey.fingerprint, publicKey: sshHostKey.publicKey },
            }),
      },
      sites: { enrollment },
    });

  let listener: HttpsListener | undefined;
  let endpoint: LinkEndpoint | undefined;
  let terminal: TerminalEndpoint | undefined;
  let pruneTimer: TimerHandle | undefined;
  let stopped = false;
  return {
    services,
    httpApp: buildApp,
    async start() {
      listener = await listenHttps(buildApp(), tls, config.http.host, config.http.port);
      const authenticator = new LinkAuthenticator({
        gateways,
        audit,
        clock: deps.clock,
        log: linkLog,
        tlsFingerprint: tls.fingerprint,
        handshakeTimeoutMs: config.link.handshakeTimeoutSeconds * 1000,
      });
      endpoint = attachLinkEndpoint(listener.server, {
        authenticator,
        links: siteLinks,
        clock: deps.clock,
        log: linkLog,
      });
      terminal = attachTerminalEndpoint(listener.server, {
        sessions: liveSessions,
        credentials: { sessions: auth.sessions, users, clock: deps.clock },
        audit,
        clock: deps.clock,
        log: deps.log.child({ component: 'web-terminal' }),
      });
      access.grants.start();
      if (sshHostKey !== undefined) {
        sshEndpoint = await startSshEndpoint({
          config: config.ssh,
          hostKey: sshHostKey,
          auth: { login: auth.login, users, keys: auth.sshKeys },
          services: {
            sessions: liveSessions,
            targets: { sites, catalogue, checker: access.checker },
            audit,
            hintHost: `${new URL(config.http.publicUrl ?? 'https://127.0.0.1').hostname} -p ${config.ssh.port}`,
            menuIdleMs: 5 * 60_000,
          },
          clock: deps.clock,
          log: deps.log.child({ component: 'ssh' }),
        });
      }
      pruneTimer = deps.clock.setInterval(() => auth.throttle.prune(deps.clock.now()), 3_600_000);
      audit.append({
        action: 'gateway.start',
        actor: 'system:it',
        outcome: 'success',
        details: { version: AIRLOCK_VERSION, httpsPort: listener.port },
      });
      const url =
        config.http.publicUrl ??
        `https://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${listener.port}`;
      siem?.start();
      const setupCode = config.setup.oneTimeCode ? setup.issueIfNeeded() : undefined;
      deps.log.info('IT gateway listening', {
        url,
        tlsFingerprintSha256: tls.fingerprint,
        version: AIRLOCK_VERSION,
      });
      const ssh =
        sshEndpoint === undefined || sshHostKey === undefined
          ? {}
          : {
              ssh: {
                port: sshEndpoint.port,
                fingerprint: sshHostKey.fingerprint,
                publicKey: sshHostKey.publicKey,
              },
            };
      return {
        httpsPort: listener.port,
        url,
        tlsFingerprint: tls.fingerprint,
        ...ssh,
        ...omitUndefined({ setupCode }),
      };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      access.grants.stop();
      pruneTimer?.cancel();
      endpoint?.detach();
      terminal?.detach();
      liveSessions.closeAll('IT gateway stopping');
      await sshEndpoint?.close();
      await siteLinks.closeAll('IT gateway stopping');
      await listener?.close();
      await notifier.close?.();
      if (listener !== undefined)
        audit.append({ action: 'gateway.stop', actor: 'system:it', outcome: 'success' });
      // gateway.stop may not reach the collector now; it stays behind the cursor and goes out at the next start.
      await siem?.stop();
      audit.close();
      db.close();
    },
  };
}

/** Where operators point `ssh -p`: the public host name, and the bound port once the endpoint listens. */
function sshHintFor(
  config: ItConfig,
  boundPort: () => number | undefined,
): { readonly host: string; readonly port: number } {
  const host = new URL(config.http.publicUrl ?? `https://${config.ssh.listen}`).hostname;
  return {
    host,
    get port(): number {
      return boundPort() ?? config.ssh.port;
    },
  };
}
