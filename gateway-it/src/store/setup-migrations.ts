/**
 * The first admin's one-time set-up codes (component `setup`, its own numbering so it merges
 * without renumbering `it`). Only a hash of each code is kept; a row ends when its code is used or
 * replaced by the next start's, and stays for the record. Append-only list.
 */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const SETUP: readonly Migration[] = [
  {
    component: 'setup',
    version: 1,
    name: 'one-time set-up codes for the first admin',
    up: `
      CREATE TABLE setup_codes (
        id TEXT PRIMARY KEY,
        code_hash TEXT NOT NULL,
        issued_at INTEGER NOT NULL,
        ended_at INTEGER,
        ended_how TEXT CHECK (ended_how IN ('used', 'replaced')),
        -- The admin account made with the code.
        used_by TEXT,
        CHECK ((ended_at IS NULL) = (ended_how IS NULL))
      ) STRICT;
      -- At most one code is open at a time.
      CREATE UNIQUE INDEX setup_codes_open ON setup_codes ((1)) WHERE ended_at IS NULL;
    `,
  },
];
