/**
 * The recordings the IT gateway holds, as the portal shows them: listed per site for its OT owners
 * and auditors (and admins), and played only when verified (the file's SHA-256 matches the site's
 * claim and its audit chain). Each playback is audited (`recording.play`) before the bytes are
 * handed out; if the audit fails, nothing is played. The file is hashed again at playback, so a
 * file changed on the IT gateway's disk after verification is refused (and that is audited).
 */
import { readFileSync } from 'node:fs';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { isAdmin, isAuditorOf, isOtOwnerOf, type Actor } from '../access/access.js';
import { z } from 'zod';
import { RECORDING_STATUSES, type RecordingRow, type RecordingStore } from '../store/store.js';
import type { PlaybackGate } from './playback-approvals.js';

export type RecordingView = RecordingRow & { readonly playable: boolean };
/** A recording's states, for the list's filter (the store defines them). */
export { RECORDING_STATUSES };

/** The recordings list's filters, as a page or API query carries them (empty means any). */
export const recordingFilterSchema = z.strictObject({
  /** Part of the user name, asset or session id (any case). */
  q: z.string().trim().max(100).optional(),
  status: z.enum(['', ...RECORDING_STATUSES]).optional(),
});
export type RecordingFilter = z.output<typeof recordingFilterSchema>;

export function canSeeRecordings(u: Actor, site: string): boolean {
  return isOtOwnerOf(u, site) || isAuditorOf(u, site) || isAdmin(u);
}

export class RecordingLibrary {
  constructor(
    private readonly deps: {
      store: RecordingStore;
      audit: AuditLog;
      pathOf: (site: string, sessionId: string) => string;
      playback: { check(actor: Actor, r: RecordingRow): PlaybackGate };
    },
  ) {}

  /** Whether the site's playback policy (four-eyes) lets `actor` play `r` now. */
  gate(actor: Actor, r: RecordingRow): PlaybackGate {
    return this.deps.playback.check(actor, r);
  }

  list(actor: Actor, site: string, filter: RecordingFilter = {}): RecordingView[] {
    if (!canSeeRecordings(actor, site))
      throw new AirlockError(
        'access_denied',
        'recording.not_allowed',
        `only OT owners and auditors of ${site} see its recordings`,
      );
    const status = filter.status === '' ? undefined : filter.status;
    return this.deps.store.search(site, { q: filter.q, status }).map(view);
  }

  /** One recording, if the actor may see it (404 otherwise: an id says nothing to others). */
  get(actor: Actor, sessionId: string): RecordingView {
    const r = this.deps.store.get(sessionId);
    if (r === undefined || !canSeeRecordings(actor, r.site))
      throw new AirlockError('not_found', 'recording.not_found', `no recording ${sessionId}`);
    return view(r);
  }

  /** The asciicast file of a verified recording; audited as `recording.play` first. */
  play(actor: Actor, sessionId: string): Buffer {
    const r = this.get(actor, sessionId);
    if (!r.playable)
      throw new AirlockError(
        'conflict',
        'recording.not_verified',
        `recording ${sessionId} is ${r.status}${r.problem === null ? '' : ` (${r.problem})`}; only verified recordings are played`,
      );
    const gate = this.gate(actor, r);
    if (!gate.allowed) {
      this.deps.audit.append({
        action: 'recording.play',
        actor: actor.name,
        site: r.site,
        target: r.asset,
        outcome: 'denied',
        details: { sessionId, user: r.userName, reason: gate.reason },
      });
      throw new AirlockError(
        'access_denied',
        'recording.four_eyes',
        `${r.site} requires a second person's approval to play a recording (${gate.reason.replaceAll('_', ' ')})`,
        { audited: true },
      );
    }
    const bytes = readFileSync(this.deps.pathOf(r.site, r.sessionId));
    // The file on this disk is checked again: what is played is what the site hashed.
    const ok = sha256Hex(bytes) === r.sha256;
    this.deps.audit.append({
      action: 'recording.play',
      actor: actor.name,
      site: r.site,
      target: r.asset,
      outcome: ok ? 'success' : 'failure',
      details: {
        sessionId,
        user: r.userName,
        sha256: r.sha256,
        ...(gate.approval === null
          ? {}
          : { approvedBy: gate.approval.decidedBy, requestId: gate.approval.id }),
        ...(ok ? {} : { problem: 'file changed since it was verified' }),
      },
    });
    if (!ok)
      throw new AirlockError(
        'conflict',
        'recording.changed',
        `recording ${sessionId} changed on disk since it was verified; it is not played`,
      );
    return bytes;
  }
}

function view(r: RecordingRow): RecordingView {
  return { ...r, playable: r.status === 'verified' };
}
