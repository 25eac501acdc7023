/**
 * The learning report: what the OT gateway tells its IT side about the learn, review, enforce loop
 * (docs/policy.md), for the portal's read-only "Policy learning" page. It keeps, with each proposal
 * and in the same transaction, what the OT owner reviewed (the learned operations counted, the diff
 * and the replay result), and builds the publication: per profile its learn window and its latest
 * proposal, each capped to the link's limits (shared/src/model/learning-status.ts).
 *
 * Guarantees: a proposal and its review commit together (a failed review write rolls the proposal
 * and its `policy.propose` event back); the publication always parses with the shared schema (every
 * string is cut to its limit, lists are capped with their totals kept, and a profile that would
 * still not parse is left out, so one bad row can never keep the link down). Not here: deciding
 * anything (learning/ does), sending (link/ does), and the review of proposals made before this
 * existed (published with `review: null`).
 */
import type { Db } from '../../../shared/src/store/open-database.js';
import {
  MAX_PUBLISHED_DIFF_LINES,
  MAX_PUBLISHED_PROFILES,
  MAX_PUBLISHED_REFUSALS,
  profileLearningSchema,
  type LearningStatus,
  type ProfileLearning,
} from '../../../shared/src/model/learning-status.js';
import type { Learning } from '../learning/learning.js';
import type { LearningReviewStore, ProfileLearningRow } from '../store/store.js';
import { diffExcerpt, replaySummary } from './review-summary.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface LearningReportDeps {
  readonly learning: Learning;
  readonly store: LearningReviewStore;
  readonly db: Db;
  /** SHA-256 of the policy file this gateway enforces. */
  readonly policySha256: string;
}

export interface LearningReport {
  /** The learning service, with each proposal's review kept in the proposal's transaction. */
  readonly learning: Learning;
  /** What the link publishes now. */
  status(): LearningStatus;
}

function published(row: ProfileLearningRow): ProfileLearning {
  const p = row.proposal;
  const review = p?.review ?? null;
  return {
    asset: row.asset,
    profile: row.profile,
    window:
      row.window === null ? null : { ...row.window, startedBy: row.window.startedBy.slice(0, 128) },
    proposal:
      p === null
        ? null
        : {
            id: p.id,
            createdAt: p.createdAt,
            createdBy: p.createdBy.slice(0, 128),
            appliedAt: p.appliedAt,
            basePolicySha256: p.basePolicySha256,
            review:
              review === null
                ? null
                : {
                    operations: review.operations,
                    ...diffExcerpt(review.diff, MAX_PUBLISHED_DIFF_LINES),
                    replay:
                      review.replay === null
                        ? null
                        : replaySummary(review.replay, MAX_PUBLISHED_REFUSALS),
                  },
          },
  };
}

export function createLearningReport(deps: LearningReportDeps): LearningReport {
  const inner = deps.learning;
  // The learning service is a plain object of closures (a factory's result): spreading keeps every
  // verb as it is and replaces only propose.
  const learning: Learning = {
    ...inner,
    propose: (input) =>
      writeTransaction(deps.db, () => {
        const p = inner.propose(input);
        deps.store.addReview({
          proposalId: p.id,
          operations: p.operations,
          diff: p.diff,
          replay: p.replay === undefined ? null : JSON.stringify(p.replay),
        });
        return p;
      })(),
  };
  return {
    learning,
    status: () => ({
      policySha256: deps.policySha256,
      // The IT side closes the link on a message that does not parse, and this one is sent at
      // every connection: a profile that would not parse (a name from an older policy, say) is
      // left out rather than let it keep the whole link down.
      profiles: deps.store
        .profiles(MAX_PUBLISHED_PROFILES)
        .map(published)
        .filter((p) => profileLearningSchema.safeParse(p).success),
    }),
  };
}
