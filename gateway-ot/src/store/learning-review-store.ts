/**
 * SQL for the published view of learn mode: the reviews kept with proposals, and per profile its
 * learn window and latest proposal (what they mean: learning-report/). Reads the `learning`
 * component's tables, writes only its own.
 */
import type { Db } from '../../../shared/src/store/open-database.js';

export interface ProposalReviewRow {
  readonly proposalId: string;
  readonly operations: number;
  /** The diff as the CLI prints it. */
  readonly diff: string;
  /** JSON text of the replay result, parsed by its reader; null: no replay was asked for. */
  readonly replay: string | null;
}

export interface ProfileLearningRow {
  readonly asset: string;
  readonly profile: string;
  readonly window: { until: number; startedAt: number; startedBy: string } | null;
  readonly proposal: {
    readonly id: string;
    readonly createdAt: number;
    readonly createdBy: string;
    readonly appliedAt: number | null;
    readonly basePolicySha256: string;
    readonly review: Omit<ProposalReviewRow, 'proposalId'> | null;
  } | null;
}

export interface LearningReviewStore {
  addReview(row: ProposalReviewRow): void;
  /** Each profile with a learn window or a proposal: the window and the latest proposal. */
  profiles(limit: number): ProfileLearningRow[];
}

interface LatestSqlRow {
  id: string;
  asset: string;
  profile: string;
  created_at: number;
  created_by: string;
  base_policy_sha256: string;
  applied_at: number | null;
  operations: number | null;
  diff: string | null;
  replay: string | null;
}

export function createLearningReviewStore(db: Db): LearningReviewStore {
  const addReview = db.prepare<[string, number, string, string | null]>(
    'INSERT INTO proposal_reviews (proposal_id, operations, diff, replay) VALUES (?, ?, ?, ?)',
  );
  const windows = db.prepare<
    [],
    { asset: string; profile: string; until_at: number; started_at: number; started_by: string }
  >('SELECT asset, profile, until_at, started_at, started_by FROM learn_windows');
  // The newest proposal of each profile (rowid breaks ties within one millisecond).
  const latest = db.prepare<[number], LatestSqlRow>(
    `SELECT p.id, p.asset, p.profile, p.created_at, p.created_by, p.base_policy_sha256,
            p.applied_at, r.operations, r.diff, r.replay
     FROM policy_proposals p LEFT JOIN proposal_reviews r ON r.proposal_id = p.id
     WHERE p.rowid = (SELECT q.rowid FROM policy_proposals q
                      WHERE q.asset = p.asset AND q.profile = p.profile
                      ORDER BY q.created_at DESC, q.rowid DESC LIMIT 1)
     ORDER BY p.created_at DESC, p.rowid DESC LIMIT ?`,
  );
  return {
    addReview: (r) => void addReview.run(r.proposalId, r.operations, r.diff, r.replay),
    profiles(limit) {
      const out = new Map<string, ProfileLearningRow>();
      const key = (asset: string, profile: string): string => `${asset}/${profile}`;
      for (const p of latest.all(limit))
        out.set(key(p.asset, p.profile), {
          asset: p.asset,
          profile: p.profile,
          window: null,
          proposal: {
            id: p.id,
            createdAt: p.created_at,
            createdBy: p.created_by,
            appliedAt: p.applied_at,
            basePolicySha256: p.base_policy_sha256,
            review:
              p.operations === null || p.diff === null
                ? null
                : { operations: p.operations, diff: p.diff, replay: p.replay },
          },
        });
      for (const w of windows.all()) {
        const window = { until: w.until_at, startedAt: w.started_at, startedBy: w.started_by };
        const k = key(w.asset, w.profile);
        const had = out.get(k);
        out.set(k, { asset: w.asset, profile: w.profile, proposal: null, ...had, window });
      }
      return [...out.values()].slice(0, limit);
    },
  };
}
