/** ITSM checks (component `itsm`, its own numbering so it merges without renumbering `it`). */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const ITSM_MIGRATIONS: readonly Migration[] = [
  {
    component: 'itsm',
    version: 1,
    name: 'ITSM site settings, checks kept with requests, work notes',
    up: `
      -- A site's ITSM settings: which connector (named in the config), the record states that
      -- allow access, each asset's CI name, what to do when the ITSM cannot answer, work notes.
      CREATE TABLE site_itsm_settings (
        site TEXT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
        connector TEXT NOT NULL,
        allowed_states TEXT NOT NULL,
        asset_cis TEXT NOT NULL,
        on_unavailable TEXT NOT NULL CHECK (on_unavailable IN ('deny', 'allow-and-flag')),
        work_notes INTEGER NOT NULL CHECK (work_notes IN (0, 1)),
        updated_at INTEGER NOT NULL
      ) STRICT;
      -- The answer at request time and at approval time, with the record's key fields (JSON).
      CREATE TABLE request_itsm_checks (
        request_id TEXT NOT NULL REFERENCES access_requests(id) ON DELETE CASCADE,
        stage TEXT NOT NULL CHECK (stage IN ('request', 'approval')),
        connector TEXT NOT NULL,
        ticket TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('verified', 'unverified', 'refused')),
        reason TEXT NOT NULL,
        record TEXT,
        checked_at INTEGER NOT NULL,
        PRIMARY KEY (request_id, stage)
      ) STRICT;
      -- One work note per ended grant: sent or failed (with the reason), so it is written once.
      CREATE TABLE itsm_work_notes (
        grant_id TEXT PRIMARY KEY,
        ticket TEXT NOT NULL,
        outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'failed')),
        error TEXT,
        sent_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
];
