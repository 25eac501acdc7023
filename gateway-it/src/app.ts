/**
 * The IT gateway's composition root: builds every service once, from config and injected clock,
 * ids and logger, and passes them down explicitly (warpgate's `Services`). Nothing below here reads
 * the environment or global state. `start` opens the listeners; `stop` closes them and then the
 * audit log (signing a final checkpoint) and the database.
 */
import { join } from 'node:path';
import { AuditLog } from '../../shared/src/audit/audit-log.js';
import type { Clock } from '../../shared/src/clock.js';
import type { IdGenerator } from '../../shared/src/ids.js';
import type { Logger } from '../../shared/src/log.js';
import type { Db } from '../../shared/src/store/open-database.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { loadOrCreateSigningKey, readSecretFile, writeSecretFile } from '../../shared/src/crypto/key-file.js';
import { generateAeadKey, AEAD_KEY_BYTES } from '../../shared/src/crypto/aead.js';
import type { SigningKeyPair } from '../../shared/src/crypto/signing.js';
import { loadOrCreateTlsIdentity, type TlsIdentity } from '../../shared/src/crypto/tls-identity.js';
import { existsSync } from 'node:fs';
import { AIRLOCK_VERSION } from '../../shared/src/version.js';
import type { ItConfig } from './config/it-config.js';
import { openItDatabase } from './store/it-database.js';
import { SiteStore } from './store/site-store.js';
import { UserStore } from './store/user-store.js';
import { UserAdmin } from './auth/user-admin.js';
import { createHttpApp } from './http/create-http-app.js';
import { listenHttps, type HttpsListener } from './http/https-server.js';
import { createHealthReporter } from './status/health-report.js';
import { noSiteLinks, type SiteLinkStates } from './link/site-link-state.js';
import { noSiteEvents, sqliteAuditChain, type SiteEventSource } from './audit/audit-chain.js';
import { noArtifacts } from './audit/export-bundle.js';
import { ExportJobs } from './audit/export-jobs.js';
import { AuditSearch } from './audit/audit-search.js';
import { SiemForwarder } from './audit/siem/siem-forwarder.js';
import { hostname } from 'node:os';

export interface ItDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
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
  /** Each site's OT audit chain as ingested (the link's ingest provides it; none until then). */
  readonly siteEvents: SiteEventSource;
  /** Signed per-site export bundles (the portal's export page). */
  readonly exports: ExportJobs;
  /** The auditor's search and asset/time page (audits each call). */
  readonly auditSearch: AuditSearch;
  /** Live forwarding to the SIEM collector, when `siem` is configured (started with the gateway). */
  readonly siem: SiemForwarder | undefined;
}

export interface RunningItGateway {
  readonly httpsPort: number;
  readonly url: string;
  readonly tlsFingerprint: string;
}

export interface ItGateway {
  readonly services: ItServices;
  start(): Promise<RunningItGateway>;
  stop(): Promise<void>;
}

function loadOrCreateAeadKey(path: string): Uint8Array {
  if (!existsSync(path)) writeSecretFile(path, generateAeadKey());
  return readSecretFile(path, AEAD_KEY_BYTES);
}

/** Opens state (database, keys, certificate) without listening; the CLI's admin commands use this too. */
export async function createItGateway(config: ItConfig, deps: ItDeps): Promise<ItGateway> {
  await initCrypto();
  const keysDir = join(config.dataDir, 'keys');
  const auditKey = loadOrCreateSigningKey(join(keysDir, 'audit-signing.key'));
  const grantKey = loadOrCreateSigningKey(join(keysDir, 'grant-signing.key'));
  const secretsKey = loadOrCreateAeadKey(join(keysDir, 'secrets.key'));
  const tls = await loadOrCreateTlsIdentity({
    certPath: config.tls.certFile ?? join(config.dataDir, 'tls', 'it-gateway.crt'),
    keyPath: config.tls.keyFile ?? join(config.dataDir, 'tls', 'it-gateway.key'),
    hostnames: config.tls.hostnames,
    commonName: 'airlock-it',
  });
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
  const userAdmin = new UserAdmin({ db, audit, users, sites, clock: deps.clock, ids: deps.ids, secretsKey, issuer: 'Airlock' });
  const links = noSiteLinks;
  const siteEvents = noSiteEvents;
  const itChain = sqliteAuditChain(db, auditKey.publicKey);
  const auditSearch = new AuditSearch({ audit, itChain, siteEvents });
  const exports = new ExportJobs({
    audit,
    itChain,
    siteEvents,
    artifacts: noArtifacts,
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
            ...(siemConfig.serverName === undefined ? {} : { serverName: siemConfig.serverName }),
            ...(siemConfig.certFingerprint === undefined ? {} : { certFingerprint: siemConfig.certFingerprint }),
            ...(siemConfig.clientCertFile === undefined || siemConfig.clientKeyFile === undefined ? {} : { clientCertFile: siemConfig.clientCertFile, clientKeyFile: siemConfig.clientKeyFile }),
          },
          syslog: { facility: siemConfig.facility, hostname: siemConfig.hostname ?? hostname(), enterpriseId: siemConfig.enterpriseId, payload: siemConfig.payload, version: AIRLOCK_VERSION },
          forward: siemConfig.forward,
          startAt: siemConfig.startAt,
          batchEvents: siemConfig.batchEvents,
          retryMinMs: siemConfig.retryMinSeconds * 1000,
          retryMaxMs: siemConfig.retryMaxSeconds * 1000,
          pollMs: siemConfig.pollSeconds * 1000,
        });
  const services: ItServices = { config, db, audit, sites, users, userAdmin, tls, auditKey, grantKey, links, siteEvents, exports, auditSearch, siem };

  let listener: HttpsListener | undefined;
  let stopped = false;
  return {
    services,
    async start() {
      const startedAt = deps.clock.now();
      const health = createHealthReporter({ clock: deps.clock, sites, links: () => services.links, tlsFingerprint: tls.fingerprint, startedAt });
      const app = createHttpApp({ log: deps.log, health });
      listener = await listenHttps(app, tls, config.http.host, config.http.port);
      audit.append({ action: 'gateway.start', actor: 'system:it', outcome: 'success', details: { version: AIRLOCK_VERSION, httpsPort: listener.port } });
      const url = config.http.publicUrl ?? `https://${config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host}:${listener.port}`;
      siem?.start();
      deps.log.info('IT gateway listening', { url, tlsFingerprintSha256: tls.fingerprint, version: AIRLOCK_VERSION });
      return { httpsPort: listener.port, url, tlsFingerprint: tls.fingerprint };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await listener?.close();
      if (listener !== undefined) audit.append({ action: 'gateway.stop', actor: 'system:it', outcome: 'success' });
      // gateway.stop may not reach the collector now; it stays behind the cursor and goes out at the next start.
      await siem?.stop();
      audit.close();
      db.close();
    },
  };
}
