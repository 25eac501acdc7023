/**
 * Export jobs: what the portal's export page calls. `start` checks the request and returns at once;
 * the bundle is written in the background (export-bundle.ts) with progress the page can poll
 * (`get`) or follow (`onProgress`). A finished bundle is in `exportDir` as `<id>.tar.gz`.
 *
 * "No audit, no action": the bundle is written under a temporary name and only becomes available
 * after `audit.export` (site, range, SHA-256 of the bundle, signer) was appended; if that append
 * fails, the file is deleted and the job fails. A failed export is audited too (best effort: the
 * failure itself is already the outcome). Authorisation (auditor@<site>, admin) is the caller's.
 * Jobs are kept in memory: after a restart, finished bundles remain on disk but not in `list`.
 */
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { SigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { toBase64Url } from '../../../shared/src/crypto/encoding.js';
import { AirlockError, isAirlockError } from '../../../shared/src/errors.js';
import type { AuditChain, SiteEventSource } from './audit-chain.js';
import type { ExportProgress, SessionArtifactSource } from './export-bundle.js';
import type { ExportApprovals } from './export-approvals.js';
import type { ExportRunner, ExportSlot } from './export-runner.js';

export interface ExportRequest {
  readonly site: string;
  readonly from: number;
  readonly to: number;
  /** The authenticated user asking (recorded in the manifest and the audit event). */
  readonly requestedBy: string;
  /** The address the request came from (recorded with a refusal, like every refusal's source). */
  readonly source?: string;
}

export interface ExportJobStatus {
  readonly id: string;
  readonly site: string;
  readonly from: number;
  readonly to: number;
  readonly requestedBy: string;
  readonly state: 'running' | 'done' | 'failed';
  readonly progress: ExportProgress;
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly bundle?: {
    readonly fileName: string;
    readonly sha256: string;
    readonly bytes: number;
    readonly signer: string;
  };
  readonly error?: string;
  /** The four-eyes approval this export used (a site with four-eyes playback, a range with recordings). */
  readonly approval?: { readonly id: string; readonly approvedBy: string };
}

export interface ExportJobsOptions {
  readonly audit: AuditLog;
  readonly itChain: AuditChain;
  readonly siteEvents: SiteEventSource;
  readonly artifacts: SessionArtifactSource;
  readonly signingKey: SigningKeyPair;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly exportDir: string;
  /** Whether a site exists (SiteStore). */
  readonly siteExists: (site: string) => boolean;
  /** Writes the bundles off the event loop, with a bounded queue (export-runner.ts). */
  readonly runner: ExportRunner;
  /** Four-eyes exports: whether a bundle with recordings may be made now (export-approvals.ts). */
  readonly approvals: Pick<ExportApprovals, 'admit' | 'use'>;
}

export type ExportListener = (job: ExportJobStatus) => void;

export class ExportJobs {
  private readonly jobs = new Map<string, ExportJobStatus>();
  private readonly done = new Map<string, Promise<ExportJobStatus>>();
  private readonly listeners = new Set<ExportListener>();

  constructor(private readonly o: ExportJobsOptions) {}

  /**
   * Validates and starts an export; throws AirlockError (bad_request, not_found) and starts nothing
   * on bad input; when the site requires four eyes and the range carries recordings without an
   * approval, refuses with `access_denied` / `export.four_eyes_required`; when the runner's queue
   * is full, refuses with `unavailable` / `export.busy`; both audited as a denied `audit.export`.
   */
  start(req: ExportRequest): ExportJobStatus {
    if (
      !Number.isSafeInteger(req.from) ||
      !Number.isSafeInteger(req.to) ||
      req.from < 0 ||
      req.from > req.to
    ) {
      throw new AirlockError(
        'bad_request',
        'export.range',
        'the export range must be two times with from <= to',
      );
    }
    if (!this.o.siteExists(req.site))
      throw new AirlockError('not_found', 'export.site', `site ${req.site} does not exist`);
    let slot: ExportSlot;
    let approval: ExportJobStatus['approval'];
    try {
      const admission = this.o.approvals.admit(req.requestedBy, req.site, req.from, req.to);
      slot = this.o.runner.admit();
      if (admission.required) {
        const a = admission.approval;
        approval = { id: a.id, approvedBy: a.decidedBy ?? '' };
      }
    } catch (e) {
      if (!isAirlockError(e)) throw e;
      this.o.audit.append({
        action: 'audit.export',
        actor: req.requestedBy,
        site: req.site,
        target: null,
        outcome: 'denied',
        details: {
          from: req.from,
          to: req.to,
          code: e.code,
          ...(req.source === undefined ? {} : { source: req.source }),
        },
      });
      throw e.asAudited();
    }
    const id = this.o.ids.next('exp');
    if (approval !== undefined) {
      try {
        this.o.approvals.use(approval.id, id);
      } catch (e) {
        slot.release();
        throw e;
      }
    }
    const job: ExportJobStatus = {
      id,
      site: req.site,
      from: req.from,
      to: req.to,
      requestedBy: req.requestedBy,
      state: 'running',
      progress: { phase: 'events', done: 0, total: 0 },
      startedAt: this.o.clock.now(),
      ...(approval === undefined ? {} : { approval }),
    };
    this.jobs.set(id, job);
    this.done.set(id, this.run(job, slot));
    return job;
  }

  get(id: string): ExportJobStatus | undefined {
    return this.jobs.get(id);
  }

  list(site?: string): ExportJobStatus[] {
    return [...this.jobs.values()]
      .filter((j) => site === undefined || j.site === site)
      .sort((a, b) => b.startedAt - a.startedAt);
  }

  /** Resolves when the job has finished (done or failed). */
  wait(id: string): Promise<ExportJobStatus> {
    const p = this.done.get(id);
    if (p === undefined) throw new AirlockError('not_found', 'export.unknown', `no export ${id}`);
    return p;
  }

  /** The finished bundle, for download. */
  open(id: string): { fileName: string; bytes: number; stream: Readable } {
    const job = this.jobs.get(id);
    if (job?.bundle === undefined)
      throw new AirlockError(
        'not_found',
        'export.not_ready',
        `export ${id} has no finished bundle`,
      );
    return {
      fileName: job.bundle.fileName,
      bytes: job.bundle.bytes,
      stream: createReadStream(join(this.o.exportDir, job.bundle.fileName)),
    };
  }

  /** The finished bundle for `actor`, audited (`audit.download`) before the first byte is read. */
  download(id: string, actor: string): { fileName: string; bytes: number; stream: Readable } {
    const job = this.jobs.get(id);
    if (job?.bundle === undefined)
      throw new AirlockError(
        'not_found',
        'export.not_ready',
        `export ${id} has no finished bundle`,
      );
    this.o.audit.append({
      action: 'audit.download',
      actor,
      site: job.site,
      target: id,
      outcome: 'success',
      details: { sha256: job.bundle.sha256, bytes: job.bundle.bytes },
    });
    return this.open(id);
  }

  onProgress(listener: ExportListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private update(id: string, patch: Partial<ExportJobStatus>): ExportJobStatus {
    const prev = this.jobs.get(id);
    if (prev === undefined)
      throw new AirlockError('internal', 'export.lost', `export ${id} vanished`);
    const next = { ...prev, ...patch } as ExportJobStatus;
    this.jobs.set(id, next);
    for (const l of this.listeners) {
      try {
        l(next);
      } catch {
        // A progress listener (a closed browser tab) must not break the export.
      }
    }
    return next;
  }

  private async run(job: ExportJobStatus, slot: ExportSlot): Promise<ExportJobStatus> {
    const { o } = this;
    const fileName = `${job.site}-${job.id}.tar.gz`;
    const final = join(o.exportDir, fileName);
    const partial = `${final}.partial`;
    await Promise.resolve(); // let `start` return before any work
    try {
      mkdirSync(o.exportDir, { recursive: true, mode: 0o700 });
      // Sign the IT head now, so the bundle's IT segment ends at a checkpoint.
      o.audit.checkpoint();
      const written = await slot.run(
        {
          exportId: job.id,
          site: job.site,
          from: job.from,
          to: job.to,
          exportedBy: job.requestedBy,
          createdAt: o.clock.now(),
        },
        {
          it: o.itChain,
          ot: o.siteEvents.otChain(job.site),
          artifacts: await o.artifacts.artifacts(job.site, job.from, job.to),
          signingKey: o.signingKey,
        },
        o.exportDir,
        partial,
        (progress) => this.update(job.id, { progress }),
      );
      const signer = toBase64Url(o.signingKey.publicKey);
      try {
        o.audit.append({
          action: 'audit.export',
          actor: job.requestedBy,
          site: job.site,
          target: job.id,
          outcome: 'success',
          details: {
            from: job.from,
            to: job.to,
            sha256: written.sha256,
            bytes: written.bytes,
            signer,
            itEvents: written.manifest.logs.it.events,
            otEvents: written.manifest.logs.ot?.events ?? 0,
            files: written.manifest.files.length,
            ...(job.approval === undefined
              ? {}
              : { approvalId: job.approval.id, approvedBy: job.approval.approvedBy }),
          },
        });
      } catch (e) {
        rmSync(partial, { force: true });
        throw e;
      }
      renameSync(partial, final);
      return this.update(job.id, {
        state: 'done',
        finishedAt: o.clock.now(),
        bundle: { fileName, sha256: written.sha256, bytes: written.bytes, signer },
      });
    } catch (e) {
      slot.release();
      if (existsSync(partial)) rmSync(partial, { force: true });
      const message = isAirlockError(e) ? `${e.message} (${e.code})` : (e as Error).message;
      try {
        o.audit.append({
          action: 'audit.export',
          actor: job.requestedBy,
          site: job.site,
          target: job.id,
          outcome: 'failure',
          details: {
            from: job.from,
            to: job.to,
            error: isAirlockError(e) ? e.code : 'export.failed',
          },
        });
      } catch {
        // The export did not happen; there is nothing further to undo.
      }
      return this.update(job.id, { state: 'failed', finishedAt: o.clock.now(), error: message });
    }
  }
}
