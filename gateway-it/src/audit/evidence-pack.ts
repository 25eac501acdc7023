/**
 * Evidence packs (docs/audit.md, "Evidence pack"): one signed bundle about ONE grant or ONE
 * maintenance window occurrence, in the export bundle format, so `airlock-it verify-export` checks
 * it offline; the manifest additionally lists (and signs) the chain events the pack is about, and
 * the verifier proves each is in the verified chain (shared/src/export/evidence-check.ts).
 *
 * Guarantees: "no audit, no action": the pack is written under a temporary name and only becomes
 * `outPath` after `audit.evidence_pack` (AL1008: subject, range, SHA-256, signer, event count) was
 * appended; a refusal (four eyes, busy) and a failure are audited too. With recordings (the
 * default), the site's four-eyes export rule applies exactly as for exports (export-approvals.ts:
 * an approval covering the range is needed and used up). It is written by the export runner (a
 * worker thread, a bounded queue). Not here: who may ask (the HTTP face checks the role at the
 * subject's site; the CLI is the appliance's operator).
 */
import { createReadStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { toBase64Url } from '../../../shared/src/crypto/encoding.js';
import type { SigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { AirlockError, isAirlockError } from '../../../shared/src/errors.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import { artifactFile } from '../../../shared/src/export/bundle-manifest.js';
import { isAdmin, isAuditorOf, isOtOwnerOf } from '../access/access.js';
import type { User } from '../store/store.js';
import { chainEvents, type AuditChain, type SiteEventSource } from './audit-chain.js';
import { planSegment, type SessionArtifactSource } from './export-bundle.js';
import type { ExportApprovals } from './export-approvals.js';
import type { ExportRunner, ExportSlot } from './export-runner.js';
import { evidenceRefs, selectEvidence, type EvidenceSelection } from './evidence-select.js';
import {
  grantSubject,
  windowSubject,
  type EvidenceSubject,
  type SubjectStores,
} from './evidence-subject.js';
import { evidenceMembers, packSessions } from './evidence-summary.js';

export interface EvidencePackRequest {
  readonly kind: 'grant' | 'window';
  readonly id: string;
  /** A window pack: the occurrence that started last at or before this time (default now). */
  readonly at?: number;
  /** False: no recordings in the pack (and no four-eyes approval needed). Default true. */
  readonly recordings?: boolean;
  readonly requestedBy: string;
  readonly source?: string;
}

export interface WrittenPack {
  readonly id: string;
  readonly site: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly events: number;
  readonly sessions: number;
  readonly recordings: number;
  readonly signer: string;
}

export interface EvidencePacksOptions {
  readonly audit: AuditLog;
  readonly itChain: AuditChain;
  readonly siteEvents: SiteEventSource;
  readonly artifacts: SessionArtifactSource;
  readonly signingKey: SigningKeyPair;
  readonly stores: SubjectStores;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly runner: ExportRunner;
  readonly approvals: Pick<ExportApprovals, 'admit' | 'use'>;
  /** Where the bundle's temporary parts go. */
  readonly workDir: string;
}

async function segmentSelection(
  subject: EvidenceSubject,
  it: AuditChain,
  ot: AuditChain | undefined,
): Promise<EvidenceSelection> {
  const events = (c: AuditChain) => {
    const p = planSegment(c, subject.from, subject.to);
    return chainEvents(c, p.anchor.seq, p.head.seq);
  };
  return selectEvidence(
    {
      site: subject.site,
      grants: new Set(subject.grants.map((g) => g.id)),
      requests: new Set(subject.grants.map((g) => g.requestId)),
      ...(subject.kind === 'window' ? { windowId: subject.id } : {}),
      from: subject.from,
      to: subject.to,
    },
    events(it),
    ot === undefined ? undefined : events(ot),
  );
}

/** Who may make a site's evidence packs: its auditors and OT owners, and admins (as for exports). */
export function canPackEvidence(u: Pick<User, 'roles'>, site: string): boolean {
  return isAuditorOf(u, site) || isOtOwnerOf(u, site) || isAdmin(u);
}

/** How far before a subject the OT policy load in force is looked for (see `subject`). */
export const POLICY_LOOKBACK_MS = 7 * 86_400_000;

/** The last OT event before `t` (within `lookbackMs`) that carries the policy file's hash. */
export function policyEventBefore(
  chain: AuditChain,
  t: number,
  lookbackMs: number,
): AuditEvent | undefined {
  const lo = chain.lastSeqBefore(t - lookbackMs);
  for (let hi = chain.lastSeqBefore(t); hi > lo;) {
    const after = Math.max(lo, hi - 2000);
    const page = chain.page(after, hi, 2000);
    for (let i = page.length - 1; i >= 0; i--) {
      const e = page[i];
      if (e !== undefined && typeof e.details.policySha256 === 'string') return e;
    }
    hi = after;
  }
  return undefined;
}

export class EvidencePacks {
  constructor(private readonly o: EvidencePacksOptions) {}

  /**
   * Writes the pack to a temporary file and opens it for one download (the portal and the API);
   * the file is removed when the stream closes, read to the end or not.
   */
  async open(
    req: EvidencePackRequest,
  ): Promise<{ pack: WrittenPack; fileName: string; bytes: number; stream: Readable }> {
    mkdirSync(this.o.workDir, { recursive: true, mode: 0o700 });
    const path = join(this.o.workDir, `${this.o.ids.next('evt')}.evidence.tar.gz`);
    const pack = await this.write(req, path);
    const stream = createReadStream(path);
    stream.once('close', () => rmSync(path, { force: true }));
    return {
      pack,
      fileName: `evidence-${pack.site}-${req.kind}-${req.id}-${pack.id}.tar.gz`,
      bytes: statSync(path).size,
      stream,
    };
  }

  /**
   * The subject (site, range, grants); `not_found` for an unknown grant or window. The range starts
   * at the OT policy load in force when the subject began (when it lies within POLICY_LOOKBACK_MS),
   * so the pack's chain segment holds it and proves it.
   */
  subject(req: Pick<EvidencePackRequest, 'kind' | 'id' | 'at'>): EvidenceSubject {
    const now = this.o.clock.now();
    const base =
      req.kind === 'grant'
        ? grantSubject(this.o.stores, req.id, now)
        : windowSubject(this.o.stores, req.id, req.at ?? now, now);
    const ot = this.o.siteEvents.otChain(base.site);
    const policy =
      ot === undefined ? undefined : policyEventBefore(ot, base.from, POLICY_LOOKBACK_MS);
    return policy === undefined ? base : { ...base, from: policy.time };
  }

  /** Writes the pack to `outPath` (replacing nothing on failure); see the module comment. */
  async write(req: EvidencePackRequest, outPath: string): Promise<WrittenPack> {
    const { o } = this;
    const subject = this.subject(req);
    const withRecordings = req.recordings !== false;
    const auditDetails = {
      subject: req.kind,
      subjectId: req.id,
      from: subject.from,
      to: subject.to,
      recordings: withRecordings,
      ...(req.source === undefined ? {} : { source: req.source }),
    };
    let slot: ExportSlot;
    let approval: { id: string; approvedBy: string } | undefined;
    try {
      const admission = withRecordings
        ? o.approvals.admit(req.requestedBy, subject.site, subject.from, subject.to)
        : { required: false as const };
      slot = o.runner.admit();
      if (admission.required)
        approval = { id: admission.approval.id, approvedBy: admission.approval.decidedBy ?? '' };
    } catch (e) {
      if (!isAirlockError(e)) throw e;
      o.audit.append({
        action: 'audit.evidence_pack',
        actor: req.requestedBy,
        site: subject.site,
        target: null,
        outcome: 'denied',
        details: { ...auditDetails, code: e.code },
      });
      throw e.asAudited();
    }
    const id = o.ids.next('evp');
    const partial = `${outPath}.partial`;
    try {
      if (approval !== undefined) o.approvals.use(approval.id, id);
      // Sign the IT head now, so the pack's IT segment ends at a checkpoint (as exports do).
      o.audit.checkpoint();
      const ot = o.siteEvents.otChain(subject.site);
      const selection = await segmentSelection(subject, o.itChain, ot);
      const artifacts = withRecordings
        ? (await o.artifacts.artifacts(subject.site, subject.from, subject.to)).filter((a) =>
            selection.sessionIds.includes(a.sessionId),
          )
        : [];
      const recordingPath = (sessionId: string): string | null => {
        const a = artifacts.find((x) => x.sessionId === sessionId);
        return a === undefined ? null : artifactFile(a.sessionId, a.kind, a.name);
      };
      const sessions = packSessions(selection, recordingPath);
      const written = await slot.run(
        {
          exportId: id,
          site: subject.site,
          from: subject.from,
          to: subject.to,
          exportedBy: req.requestedBy,
          createdAt: o.clock.now(),
        },
        {
          it: o.itChain,
          ot,
          artifacts,
          signingKey: o.signingKey,
          evidence: {
            manifest: { subject: { kind: req.kind, id: req.id }, events: evidenceRefs(selection) },
            members: evidenceMembers(subject, selection, sessions, ot !== undefined),
          },
        },
        o.workDir,
        partial,
        () => undefined,
      );
      const pack: WrittenPack = {
        id,
        site: subject.site,
        sha256: written.sha256,
        bytes: written.bytes,
        events: selection.events.length,
        sessions: sessions.length,
        recordings: artifacts.length,
        signer: toBase64Url(o.signingKey.publicKey),
      };
      o.audit.append({
        action: 'audit.evidence_pack',
        actor: req.requestedBy,
        site: subject.site,
        target: id,
        outcome: 'success',
        details: {
          ...auditDetails,
          sha256: pack.sha256,
          bytes: pack.bytes,
          signer: pack.signer,
          events: pack.events,
          sessions: pack.sessions,
          recordings: pack.recordings,
          ...(approval === undefined
            ? {}
            : { approvalId: approval.id, approvedBy: approval.approvedBy }),
        },
      });
      renameSync(partial, outPath);
      return pack;
    } catch (e) {
      slot.release();
      rmSync(partial, { force: true });
      try {
        o.audit.append({
          action: 'audit.evidence_pack',
          actor: req.requestedBy,
          site: subject.site,
          target: id,
          outcome: 'failure',
          details: { ...auditDetails, error: isAirlockError(e) ? e.code : 'evidence.failed' },
        });
      } catch {
        // The pack was not made; there is nothing further to undo.
      }
      throw isAirlockError(e)
        ? e
        : new AirlockError(
            'internal',
            'evidence.failed',
            'the evidence pack could not be written',
            {
              cause: e,
            },
          );
    }
  }
}
