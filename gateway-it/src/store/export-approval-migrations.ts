/**
 * Four-eyes exports (component `export-approvals`, its own numbering so it merges without
 * renumbering `it`): a request to export a site's range that carries recordings, its decision by a
 * second person, and the export that used it. Append-only list.
 */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const EXPORT_APPROVALS: readonly Migration[] = [
  {
    component: 'export-approvals',
    version: 1,
    name: 'four-eyes export requests',
    up: `
      CREATE TABLE export_requests (
        id TEXT PRIMARY KEY,
        site TEXT NOT NULL REFERENCES sites(id),
        requester TEXT NOT NULL,
        range_from INTEGER NOT NULL,
        range_to INTEGER NOT NULL,
        reason TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'refused', 'used')),
        decided_by TEXT,
        decided_at INTEGER,
        -- An approval lets the requester start one export of the range until then.
        expires_at INTEGER,
        export_id TEXT
      ) STRICT;
      CREATE INDEX export_requests_site ON export_requests (site, created_at);
      CREATE INDEX export_requests_requester ON export_requests (requester, site, state);
    `,
  },
];
