/** What the OT owner reviewed for each proposal (component `learning-review`). Append-only list. */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const LEARNING_REVIEW_MIGRATIONS: readonly Migration[] = [
  {
    component: 'learning-review',
    version: 1,
    name: 'proposal reviews: operations, diff and replay result of each proposal',
    up: `
      -- Written with its proposal (same transaction): how many learned operations it came from, its
      -- diff against the profile (text, as printed) and its replay result (JSON; NULL: no replay).
      CREATE TABLE proposal_reviews (
        proposal_id TEXT PRIMARY KEY REFERENCES policy_proposals (id),
        operations INTEGER NOT NULL,
        diff TEXT NOT NULL,
        replay TEXT
      ) STRICT;
    `,
  },
];
