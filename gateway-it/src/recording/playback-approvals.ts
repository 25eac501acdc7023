/**
 * Four-eyes playback: a site may require that a recording plays for someone only after a second
 * person (an auditor or OT owner of the site, never the requester) approved that person's request.
 * An approval is for one recording and one requester, and lapses after `approvalTtlMs`.
 *
 * Guarantees: the setting (OT owner of the site or admin) and every request, approval and refusal
 * are audited in the same transaction as the change ("no audit, no action"); `check` is what the
 * recording library calls before it hands out any bytes, so every face that plays a recording
 * (portal page, its `cast` URL) goes through it. Not here: who may see a recording at all
 * (RecordingLibrary), and export bundles, which carry recordings as evidence (docs/audit.md).
 */
import { z } from 'zod';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { isAdmin, isOtOwnerOf, type Actor } from '../access/access.js';
import type { RecordingRow } from '../store/store.js';
import { canApprovePlayback, decideFourEyes } from './four-eyes-decision.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export const PLAYBACK_REQUEST_STATES = ['pending', 'approved', 'refused'] as const;
export type PlaybackRequestState = (typeof PLAYBACK_REQUEST_STATES)[number];

export interface PlaybackRequest {
  readonly id: string;
  readonly sessionId: string;
  readonly site: string;
  readonly requester: string;
  readonly reason: string;
  readonly createdAt: number;
  readonly state: PlaybackRequestState;
  readonly decidedBy: string | null;
  readonly decidedAt: number | null;
  readonly expiresAt: number | null;
}

/** Whether the actor may play now, and if not, why (a value: the page shows it). */
export type PlaybackGate =
  | { readonly allowed: true; readonly approval: PlaybackRequest | null }
  | {
      readonly allowed: false;
      readonly reason: 'four_eyes_required' | 'pending' | 'refused' | 'expired';
      readonly request: PlaybackRequest | null;
    };

export const playbackReasonSchema = z
  .string()
  .trim()
  .min(3, 'reason: say why you need to see the recording')
  .max(300);

export interface PlaybackApprovalsDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** How long an approval lets the requester play (default 1 hour). */
  readonly approvalTtlMs?: number;
  /** Whether a site exists (SiteStore). */
  readonly siteExists: (site: string) => boolean;
  /** The recording a session id names (RecordingStore.get). */
  readonly recording: (sessionId: string) => RecordingRow | undefined;
}

const COLUMNS =
  'id, session_id AS sessionId, site, requester, reason, created_at AS createdAt, state, decided_by AS decidedBy, decided_at AS decidedAt, expires_at AS expiresAt';

/** Who may turn four-eyes playback on or off for `site`. */
export const canSetPlaybackPolicy = (u: Pick<Actor, 'roles'>, site: string): boolean =>
  isOtOwnerOf(u, site) || isAdmin(u);

export class PlaybackApprovals {
  private readonly stmts;
  private readonly ttl: number;

  constructor(private readonly deps: PlaybackApprovalsDeps) {
    const { db } = deps;
    this.ttl = deps.approvalTtlMs ?? 3_600_000;
    this.stmts = {
      policy: db.prepare<[string], { four_eyes: number; changed_by: string; changed_at: number }>(
        'SELECT four_eyes, changed_by, changed_at FROM playback_policies WHERE site = ?',
      ),
      putPolicy: db.prepare<[string, number, string, number]>(
        `INSERT INTO playback_policies (site, four_eyes, changed_by, changed_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (site) DO UPDATE SET four_eyes = excluded.four_eyes, changed_by = excluded.changed_by, changed_at = excluded.changed_at`,
      ),
      insert: db.prepare(
        "INSERT INTO playback_requests (id, session_id, site, requester, reason, created_at, state) VALUES (@id, @sessionId, @site, @requester, @reason, @createdAt, 'pending')",
      ),
      get: db.prepare<[string], PlaybackRequest>(
        `SELECT ${COLUMNS} FROM playback_requests WHERE id = ?`,
      ),
      latest: db.prepare<[string, string], PlaybackRequest>(
        `SELECT ${COLUMNS} FROM playback_requests WHERE session_id = ? AND requester = ? ORDER BY created_at DESC, rowid DESC LIMIT 1`,
      ),
      bySite: db.prepare<[string, number], PlaybackRequest>(
        `SELECT ${COLUMNS} FROM playback_requests WHERE site = ? ORDER BY created_at DESC LIMIT ?`,
      ),
      decide: db.prepare<[string, string, number, number | null, string]>(
        "UPDATE playback_requests SET state = ?, decided_by = ?, decided_at = ?, expires_at = ? WHERE id = ? AND state = 'pending'",
      ),
    };
  }

  /** Whether `site` requires a second person's approval before a recording plays. */
  fourEyes(site: string): boolean {
    return this.stmts.policy.get(site)?.four_eyes === 1;
  }

  setFourEyes(actor: Actor, site: string, on: boolean): void {
    if (!canSetPlaybackPolicy(actor, site))
      throw new AirlockError(
        'access_denied',
        'recording.policy_not_allowed',
        `only an OT owner of ${site} or an admin sets its playback policy`,
      );
    if (!this.deps.siteExists(site))
      throw new AirlockError('not_found', 'site.not_found', `site ${site} does not exist`);
    const { deps } = this;
    const before = this.fourEyes(site);
    writeTransaction(deps.db, () => {
      this.stmts.putPolicy.run(site, on ? 1 : 0, actor.name, deps.clock.now());
      deps.audit.append({
        action: 'site.update',
        actor: actor.name,
        site,
        target: site,
        outcome: 'success',
        details: { fourEyesPlayback: on, previous: { fourEyesPlayback: before } },
      });
    })();
  }

  /** Asks for a second person's approval to play one recording; only when the site requires it. */
  request(actor: Actor, recording: RecordingRow, reasonText: string): PlaybackRequest {
    const { deps } = this;
    const reason = playbackReasonSchema.safeParse(reasonText);
    if (!reason.success)
      throw new AirlockError(
        'bad_request',
        'recording.play_reason',
        reason.error.issues[0]?.message ?? 'reason: invalid',
      );
    if (!this.fourEyes(recording.site))
      throw new AirlockError(
        'conflict',
        'recording.four_eyes_off',
        `${recording.site} does not require approval to play a recording`,
      );
    const gate = this.check(actor, recording);
    if (gate.allowed || gate.reason === 'pending')
      throw new AirlockError(
        'conflict',
        'recording.play_request_open',
        gate.allowed
          ? 'you may already play this recording'
          : 'your request for this recording is waiting for a decision',
      );
    const row = {
      id: deps.ids.next('prq'),
      sessionId: recording.sessionId,
      site: recording.site,
      requester: actor.name,
      reason: reason.data,
      createdAt: deps.clock.now(),
    };
    writeTransaction(deps.db, () => {
      this.stmts.insert.run(row);
      deps.audit.append({
        action: 'recording.play_request',
        actor: actor.name,
        site: recording.site,
        target: recording.asset,
        outcome: 'success',
        details: {
          requestId: row.id,
          sessionId: recording.sessionId,
          user: recording.userName,
          reason: row.reason,
        },
      });
    })();
    return this.mustGet(row.id);
  }

  /**
   * Approves or refuses a pending request. The requester never decides their own (refused and
   * audited as denied); only an auditor or OT owner of the site decides.
   */
  decide(actor: Actor, requestId: string, approve: boolean): PlaybackRequest {
    const r = this.stmts.get.get(requestId);
    if (r === undefined || !(canApprovePlayback(actor, r.site) || isAdmin(actor)))
      throw new AirlockError(
        'not_found',
        'recording.play_request_unknown',
        `no playback request ${requestId}`,
      );
    decideFourEyes(this.deps, actor, approve, this.ttl, {
      action: 'recording.play_approve',
      site: r.site,
      target: r.sessionId,
      requester: r.requester,
      state: r.state,
      idDetails: { requestId },
      decidedDetails: {},
      selfApproval: {
        code: 'recording.self_approval',
        message: 'a playback request needs a second person: you cannot decide your own',
      },
      approverRole: {
        code: 'recording.approver_role',
        message: `only an auditor or OT owner of ${r.site} decides playback requests`,
      },
      decided: {
        code: 'recording.play_request_decided',
        already: `request ${requestId} was already ${r.state}`,
        meanwhile: `request ${requestId} was decided meanwhile`,
      },
      store: (state, by, at, expiresAt) =>
        this.stmts.decide.run(state, by, at, expiresAt, requestId).changes,
    });
    return this.mustGet(requestId);
  }

  /** Whether `actor` may play `recording` now under the site's playback policy. */
  check(actor: Actor, recording: RecordingRow): PlaybackGate {
    if (!this.fourEyes(recording.site)) return { allowed: true, approval: null };
    const last = this.stmts.latest.get(recording.sessionId, actor.name) ?? null;
    if (last === null) return { allowed: false, reason: 'four_eyes_required', request: null };
    switch (last.state) {
      case 'pending':
        return { allowed: false, reason: 'pending', request: last };
      case 'refused':
        return { allowed: false, reason: 'refused', request: last };
      case 'approved':
        return last.expiresAt !== null && this.deps.clock.now() < last.expiresAt
          ? { allowed: true, approval: last }
          : { allowed: false, reason: 'expired', request: last };
      default: {
        const never: never = last.state;
        throw new AirlockError(
          'internal',
          'recording.play_state',
          `unknown request state ${String(never)}`,
        );
      }
    }
  }

  /** Requests at a site, newest first, for its auditors and OT owners (and admins). */
  list(actor: Actor, site: string, limit = 100): PlaybackRequest[] {
    if (!(canApprovePlayback(actor, site) || isAdmin(actor)))
      throw new AirlockError(
        'access_denied',
        'recording.not_allowed',
        `only auditors and OT owners of ${site} see its playback requests`,
      );
    return this.stmts.bySite.all(site, limit);
  }

  recordingOf(sessionId: string): RecordingRow | undefined {
    return this.deps.recording(sessionId);
  }

  private mustGet(id: string): PlaybackRequest {
    const r = this.stmts.get.get(id);
    if (r === undefined)
      throw new AirlockError(
        'internal',
        'recording.play_request_lost',
        `playback request ${id} was not stored`,
      );
    return r;
  }
}
