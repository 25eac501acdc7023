/** Learn mode's schema (component `learning`): learn windows, learned operations, proposals. Append-only list. */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const LEARNING_MIGRATIONS: readonly Migration[] = [
  {
    component: 'learning',
    version: 1,
    name: 'learn windows, learned operations, policy proposals',
    up: `
      -- A profile learns while a row names it and until_at (ms) is ahead; one window per profile.
      CREATE TABLE learn_windows (
        asset TEXT NOT NULL,
        profile TEXT NOT NULL,
        until_at INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        started_by TEXT NOT NULL,
        PRIMARY KEY (asset, profile)
      ) STRICT;
      -- Every operation a learning session was allowed, as the protocol's facts (JSON).
      CREATE TABLE learned_operations (
        id INTEGER PRIMARY KEY,
        asset TEXT NOT NULL,
        profile TEXT NOT NULL,
        session_id TEXT NOT NULL,
        grant_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        operation TEXT NOT NULL
      ) STRICT;
      CREATE INDEX learned_operations_profile ON learned_operations (asset, profile, at);
      -- A proposed profile (JSON, as the policy file would hold it) until it is applied.
      CREATE TABLE policy_proposals (
        id TEXT PRIMARY KEY,
        asset TEXT NOT NULL,
        profile TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        base_policy_sha256 TEXT NOT NULL,
        proposal TEXT NOT NULL,
        applied_at INTEGER
      ) STRICT;
    `,
  },
];
