/**
 * Audit on the IT gateway, beyond its own log (which store/ opens): taking in each site's OT audit
 * chain over the link (verified before it is kept), the auditor's search and asset page, signed
 * per-site export bundles (with the sessions' recordings) and live forwarding to a SIEM.
 *
 * Guarantees: an OT batch is kept only if it extends the site's chain and its checkpoints verify
 * (a fork or a bad signature is refused and audited); the batch's new events are then handed to
 * notify/ (OT alerts). Every search, view and export is audited before its result is
 * returned. An export bundle is signed with the audit key and verifies offline (`verify-export`);
 * it is written on a worker thread, never on the loop that relays sessions, and a full export queue
 * refuses (`export.busy`, audited). A site with four-eyes playback requires a second person's
 * approval for a bundle that carries recordings (export-approvals.ts).
 * An evidence pack (evidence-pack.ts) is such a bundle about one grant or maintenance window,
 * with a signed list of its events that verify-export proves are in the chain; audited (AL1008).
 * Off by configuration: with no `siem` section there is no SIEM forwarder (`siem` is undefined).
 * Not here: who may search or export (the HTTP faces check the roles), and the IT log's own chain
 * and checkpoints (shared/src/audit).
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../../shared/src/clock.js';
import { toBase64Url } from '../../../shared/src/crypto/encoding.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Logger } from '../../../shared/src/log.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';
import { AIRLOCK_VERSION } from '../../../shared/src/version.js';
import type { ItConfig } from '../config/config.js';
import type { Notify } from '../notify/notify.js';
import type { Recording } from '../recording/recording.js';
import type { ItStore } from '../store/store.js';
import { ingestedSiteEvents, sqliteAuditChain, type SiteEventSource } from './audit-chain.js';
import { AuditSearch } from './audit-search.js';
import { ExportApprovals } from './export-approvals.js';
import { EvidencePacks } from './evidence-pack.js';
import { ExportJobs } from './export-jobs.js';
import { createExportRunner, type ExportRunner } from './export-runner.js';
import { OtAuditIngest } from './ot-audit-ingest.js';
import { recordingArtifacts } from './recording-artifacts.js';
import { SiemForwarder } from './siem/siem-forwarder.js';

export { assetPageView, type AssetPageView, type AssetSessionView } from './asset-page.js';
export type { SiteEventSource } from './audit-chain.js';
export type { AuditSearch, AuditSearchHit, AuditSearchQuery } from './audit-search.js';
export { AUDIT_AREAS, actionFilter } from './audit-search.js';
export type { ExportJobs, ExportJobStatus } from './export-jobs.js';
export {
  canPackEvidence,
  type EvidencePacks,
  type EvidencePackRequest,
  type WrittenPack,
} from './evidence-pack.js';
export type { EvidenceSubject } from './evidence-subject.js';
export type { ExportApprovals, ExportApprovalRequest } from './export-approvals.js';
export type { ExportRunner, ExportRunnerStats } from './export-runner.js';
export type { IngestOutcome, OtAuditIngest } from './ot-audit-ingest.js';
export type { SiemForwarder } from './siem/siem-forwarder.js';
export { verifyExportCommand } from './verify-export-command.js';

export interface Audit {
  /** Takes each site's OT audit batches (the link hands them over). */
  readonly ingest: OtAuditIngest;
  /** Each site's OT chain as ingested. */
  readonly siteEvents: SiteEventSource;
  /** The auditor's search and asset/time page (audits each call). */
  readonly search: AuditSearch;
  /** Signed per-site export bundles. */
  readonly exports: ExportJobs;
  /** Evidence packs: one signed bundle about one grant or maintenance window. */
  readonly evidence: EvidencePacks;
  /** Four-eyes exports: requests and decisions for bundles that carry recordings. */
  readonly exportApprovals: ExportApprovals;
  /** Where the bundles are written: worker threads, a bounded queue. */
  readonly exportRunner: ExportRunner;
  /** Live forwarding to the SIEM collector; undefined when `siem` is not configured. */
  readonly siem: SiemForwarder | undefined;
  /** The audit public key (base64url) that verifies checkpoints and export bundles. */
  readonly publicKey: string;
  /** Starts SIEM forwarding, if configured. */
  start(): void;
  stop(): Promise<void>;
}

export interface AuditDeps {
  readonly config: Pick<ItConfig, 'dataDir' | 'siem' | 'exports'>;
  readonly store: Pick<
    ItStore,
    | 'db'
    | 'audit'
    | 'keys'
    | 'otAudit'
    | 'gateways'
    | 'sites'
    | 'recordings'
    | 'grants'
    | 'requests'
    | 'users'
    | 'ownerApprovals'
    | 'windows'
  >;
  /** Where each session's recording file is, for export bundles; the site's four-eyes setting. */
  readonly recording: Pick<Recording, 'pathOf' | 'playback'>;
  /** Told of each ingested batch's new events, once committed (OT alerts); never throws. */
  readonly notify: Pick<Notify, 'otAlerts'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
}

export function createAudit(deps: AuditDeps): Audit {
  const { config, store, clock } = deps;
  const { db, audit } = store;
  const siteEvents = ingestedSiteEvents(db, (site) => store.gateways.latest(site));
  const itChain = sqliteAuditChain(db, store.keys.audit.publicKey);
  const siem =
    config.siem === undefined
      ? undefined
      : siemForwarder(config.siem, { ...deps, itChain, siteEvents });
  const exportRunner = createExportRunner(store.keys.audit, {
    workers: config.exports.workers,
    maxQueued: config.exports.queue,
  });
  // A site's four-eyes playback covers bundles that carry its recordings (docs/audit.md).
  const exportApprovals = new ExportApprovals({
    db,
    audit,
    clock,
    ids: deps.ids,
    fourEyes: (site) => deps.recording.playback.fourEyes(site),
    carriesRecordings: (site, from, to) =>
      store.recordings.inRange(site, from, to).some((r) => r.status === 'verified'),
  });
  const artifacts = recordingArtifacts({
    store: store.recordings,
    pathOf: (site, id) => deps.recording.pathOf(site, id),
  });
  return {
    ingest: new OtAuditIngest({
      db,
      audit,
      store: store.otAudit,
      clock,
      onIngested: (site, events) => deps.notify.otAlerts(site, events),
    }),
    siteEvents,
    search: new AuditSearch({ audit, itChain, siteEvents }),
    exports: new ExportJobs({
      audit,
      itChain,
      siteEvents,
      artifacts,
      signingKey: store.keys.audit,
      clock,
      ids: deps.ids,
      exportDir: join(config.dataDir, 'exports'),
      siteExists: (site) => store.sites.get(site) !== undefined,
      runner: exportRunner,
      approvals: exportApprovals,
    }),
    evidence: new EvidencePacks({
      audit,
      itChain,
      siteEvents,
      artifacts,
      signingKey: store.keys.audit,
      stores: store,
      clock,
      ids: deps.ids,
      runner: exportRunner,
      approvals: exportApprovals,
      workDir: join(config.dataDir, 'exports'),
    }),
    exportApprovals,
    exportRunner,
    siem,
    publicKey: toBase64Url(store.keys.audit.publicKey),
    start: () => siem?.start(),
    stop: async () => {
      await Promise.all([siem?.stop(), exportRunner.close()]);
    },
  };
}

function siemForwarder(
  siem: NonNullable<ItConfig['siem']>,
  deps: AuditDeps & Pick<ConstructorParameters<typeof SiemForwarder>[0], 'itChain' | 'siteEvents'>,
): SiemForwarder {
  return new SiemForwarder({
    db: deps.store.db,
    audit: deps.store.audit,
    itChain: deps.itChain,
    siteEvents: deps.siteEvents,
    clock: deps.clock,
    log: deps.log.child({ component: 'siem' }),
    target: {
      host: siem.host,
      port: siem.port,
      caFile: siem.caFile,
      timeoutMs: siem.timeoutSeconds * 1000,
      ...omitUndefined({ serverName: siem.serverName, certFingerprint: siem.certFingerprint }),
      ...(siem.clientCertFile === undefined || siem.clientKeyFile === undefined
        ? {}
        : { clientCertFile: siem.clientCertFile, clientKeyFile: siem.clientKeyFile }),
    },
    syslog: {
      facility: siem.facility,
      hostname: siem.hostname ?? hostname(),
      enterpriseId: siem.enterpriseId,
      payload: siem.payload,
      version: AIRLOCK_VERSION,
    },
    forward: siem.forward,
    startAt: siem.startAt,
    batchEvents: siem.batchEvents,
    retryMinMs: siem.retryMinSeconds * 1000,
    retryMaxMs: siem.retryMaxSeconds * 1000,
    pollMs: siem.pollSeconds * 1000,
  });
}
