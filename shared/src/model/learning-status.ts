/**
 * What an OT gateway publishes about its learn, review, enforce loop (docs/policy.md, "Learn,
 * review, enforce"): for each access profile that has a learn window or a proposal, the window
 * (until when it learns, who opened it) and the latest proposal with its diff against the profile
 * and the replay result (every operation the proposal would refuse). Shared so the IT side parses
 * what the OT side sends; it is read-only there: learning, proposing and applying are OT-side acts.
 *
 * Not guaranteed: the lists are capped (MAX_* below, with the total counts kept) so that a whole
 * publication stays well inside one control frame (4 MiB) even at every cap: a very large diff or
 * replay is shown in part on the portal; the OT CLI prints it whole.
 */
import { z } from 'zod';
import { nameSchema } from './names.js';

/** Profiles in one publication (profiles with a window or a proposal, newest proposal first). */
export const MAX_PUBLISHED_PROFILES = 40;
/** Diff lines kept per proposal (the changed lines and their context). */
export const MAX_PUBLISHED_DIFF_LINES = 150;
/** Refused operations kept per replay (the first ones, by time). */
export const MAX_PUBLISHED_REFUSALS = 50;

const epochMs = z.number().int().nonnegative();
const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const learnWindowSchema = z.strictObject({
  until: epochMs,
  startedAt: epochMs,
  startedBy: z.string().min(1).max(128),
});

export const replayRefusalSummarySchema = z.strictObject({
  at: epochMs,
  /** `audit` (a forwarded write in the audit chain, with its seq) or `learned` (a learning read). */
  source: z.enum(['audit', 'learned']),
  seq: count.optional(),
  sessionId: z.string().max(64),
  /** The operation in words (`unit 1 fc 6 holdingRegisters 100 x1 = 7`). */
  operation: z.string().max(300),
  rule: z.string().max(100),
  reason: z.string().max(300),
});

export const replaySummarySchema = z.strictObject({
  since: epochMs,
  replayed: count,
  refusedTotal: count,
  refused: z.array(replayRefusalSummarySchema).max(MAX_PUBLISHED_REFUSALS),
});

export const proposalSummarySchema = z.strictObject({
  id: z.string().regex(/^prp_[a-z0-9]{1,64}$/),
  createdAt: epochMs,
  createdBy: z.string().min(1).max(128),
  appliedAt: epochMs.nullable(),
  /** The policy file it was made from: `apply` refuses it once the file changed. */
  basePolicySha256: hex64,
  /** What the owner reviewed; null for a proposal made before reviews were kept. */
  review: z
    .strictObject({
      operations: count,
      added: count,
      removed: count,
      diff: z.array(z.string().max(200)).max(MAX_PUBLISHED_DIFF_LINES),
      /** Null when the proposal was made without `--replay-days`. */
      replay: replaySummarySchema.nullable(),
    })
    .nullable(),
});

export const profileLearningSchema = z.strictObject({
  asset: nameSchema,
  profile: nameSchema,
  /** The learn window as stored (it may have ended: compare `until` with the time). */
  window: learnWindowSchema.nullable(),
  proposal: proposalSummarySchema.nullable(),
});

export const learningStatusSchema = z.strictObject({
  /** SHA-256 of the policy file the running OT gateway enforces. */
  policySha256: hex64,
  profiles: z.array(profileLearningSchema).max(MAX_PUBLISHED_PROFILES),
});

export type LearnWindowSummary = z.output<typeof learnWindowSchema>;
export type ReplaySummary = z.output<typeof replaySummarySchema>;
export type ProposalSummary = z.output<typeof proposalSummarySchema>;
export type ProfileLearning = z.output<typeof profileLearningSchema>;
export type LearningStatus = z.output<typeof learningStatusSchema>;
