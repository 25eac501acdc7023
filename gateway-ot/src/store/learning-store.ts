/** SQL for learn mode: windows, learned operations and proposals (what they mean: learning/). */
import type { Db } from '../../../shared/src/store/open-database.js';

export interface LearnedOperationRow {
  readonly sessionId: string;
  readonly grantId: string;
  readonly at: number;
  /** JSON text, parsed by its reader. */
  readonly operation: string;
}

export interface ProposalRow {
  readonly id: string;
  readonly asset: string;
  readonly profile: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly basePolicySha256: string;
  /** JSON text, parsed by its reader. */
  readonly proposal: string;
  readonly appliedAt: number | null;
}

export interface LearningStore {
  setWindow(asset: string, profile: string, until: number, at: number, by: string): void;
  clearWindow(asset: string, profile: string): void;
  /** The end of the window open at `now`, if any. */
  windowUntil(asset: string, profile: string, now: number): number | undefined;
  addOperation(
    asset: string,
    profile: string,
    row: Omit<LearnedOperationRow, 'operation'> & { operation: string },
  ): void;
  operations(asset: string, profile: string, since: number): LearnedOperationRow[];
  addProposal(row: Omit<ProposalRow, 'appliedAt'>): void;
  proposal(id: string): ProposalRow | undefined;
  markApplied(id: string, at: number): void;
}

interface ProposalSqlRow {
  id: string;
  asset: string;
  profile: string;
  created_at: number;
  created_by: string;
  base_policy_sha256: string;
  proposal: string;
  applied_at: number | null;
}

export function createLearningStore(db: Db): LearningStore {
  const setWindow = db.prepare<[string, string, number, number, string]>(
    `INSERT INTO learn_windows (asset, profile, until_at, started_at, started_by) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (asset, profile) DO UPDATE SET until_at = excluded.until_at,
       started_at = excluded.started_at, started_by = excluded.started_by`,
  );
  const clearWindow = db.prepare<[string, string]>(
    'DELETE FROM learn_windows WHERE asset = ? AND profile = ?',
  );
  const windowUntil = db.prepare<[string, string, number], { until_at: number }>(
    'SELECT until_at FROM learn_windows WHERE asset = ? AND profile = ? AND until_at > ?',
  );
  const addOperation = db.prepare<[string, string, string, string, number, string]>(
    `INSERT INTO learned_operations (asset, profile, session_id, grant_id, at, operation)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const operations = db.prepare<
    [string, string, number],
    { session_id: string; grant_id: string; at: number; operation: string }
  >(
    `SELECT session_id, grant_id, at, operation FROM learned_operations
     WHERE asset = ? AND profile = ? AND at >= ? ORDER BY id`,
  );
  const addProposal = db.prepare<[string, string, string, number, string, string, string]>(
    `INSERT INTO policy_proposals (id, asset, profile, created_at, created_by, base_policy_sha256, proposal)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const proposal = db.prepare<[string], ProposalSqlRow>(
    'SELECT * FROM policy_proposals WHERE id = ?',
  );
  const markApplied = db.prepare<[number, string]>(
    'UPDATE policy_proposals SET applied_at = ? WHERE id = ?',
  );
  return {
    setWindow: (asset, profile, until, at, by) => void setWindow.run(asset, profile, until, at, by),
    clearWindow: (asset, profile) => void clearWindow.run(asset, profile),
    windowUntil: (asset, profile, now) => windowUntil.get(asset, profile, now)?.until_at,
    addOperation: (asset, profile, r) =>
      void addOperation.run(asset, profile, r.sessionId, r.grantId, r.at, r.operation),
    operations: (asset, profile, since) =>
      operations.all(asset, profile, since).map((r) => ({
        sessionId: r.session_id,
        grantId: r.grant_id,
        at: r.at,
        operation: r.operation,
      })),
    addProposal: (r) =>
      void addProposal.run(
        r.id,
        r.asset,
        r.profile,
        r.createdAt,
        r.createdBy,
        r.basePolicySha256,
        r.proposal,
      ),
    proposal(id) {
      const r = proposal.get(id);
      return r === undefined
        ? undefined
        : {
            id: r.id,
            asset: r.asset,
            profile: r.profile,
            createdAt: r.created_at,
            createdBy: r.created_by,
            basePolicySha256: r.base_policy_sha256,
            proposal: r.proposal,
            appliedAt: r.applied_at,
          };
    },
    markApplied: (id, at) => void markApplied.run(at, id),
  };
}
