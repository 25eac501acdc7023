/** Quorum flags (component `quorum`, its own numbering so it merges without renumbering `it`). */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const QUORUM_MIGRATIONS: readonly Migration[] = [
  {
    component: 'quorum',
    version: 1,
    name: 'pending requests flagged as unable to reach their approvals',
    up: `
      -- A pending request that cannot reach its site's required approvals with the OT owners there
      -- now (access/quorum.ts). Kept so a change of owners or policy audits the flag turning on or
      -- off once, not on every read.
      CREATE TABLE request_quorum_flags (
        request_id TEXT PRIMARY KEY REFERENCES access_requests(id) ON DELETE CASCADE,
        flagged_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
];
