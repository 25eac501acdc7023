/**
 * Four-eyes playback of recordings (component `playback`, its own numbering so it merges without
 * renumbering `it`): the per-site setting and the playback requests with their decision.
 * Append-only list.
 */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const PLAYBACK: readonly Migration[] = [
  {
    component: 'playback',
    version: 1,
    name: 'four-eyes playback setting and requests',
    up: `
      CREATE TABLE playback_policies (
        site TEXT PRIMARY KEY REFERENCES sites(id),
        four_eyes INTEGER NOT NULL CHECK (four_eyes IN (0, 1)),
        changed_by TEXT NOT NULL,
        changed_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE playback_requests (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        site TEXT NOT NULL REFERENCES sites(id),
        requester TEXT NOT NULL,
        reason TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'refused')),
        decided_by TEXT,
        decided_at INTEGER,
        -- An approval lets the requester play the recording until then (and only the requester).
        expires_at INTEGER
      ) STRICT;
      CREATE INDEX playback_requests_site ON playback_requests (site, state, created_at);
      CREATE INDEX playback_requests_session ON playback_requests (session_id, requester);
    `,
  },
];
