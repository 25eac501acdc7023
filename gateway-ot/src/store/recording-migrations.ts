/** Session recordings (component `recording`): one row per recording file. Append-only list. */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const RECORDING_MIGRATIONS: readonly Migration[] = [
  {
    component: 'recording',
    version: 1,
    name: 'recordings',
    up: `
      -- The file is asciicast v2 under <dataDir>/recordings. state: open while written; closed at
      -- session end; recovered when found open at start (a crash) and closed then. sha256 and
      -- bytes are of the final file. acked_at: the IT gateway confirmed it holds a copy.
      CREATE TABLE recordings (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        asset TEXT NOT NULL,
        user_name TEXT NOT NULL,
        file TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'recovered')),
        started_at INTEGER NOT NULL,
        closed_at INTEGER,
        sha256 TEXT,
        bytes INTEGER,
        acked_at INTEGER
      ) STRICT;
      CREATE INDEX recordings_unsent ON recordings (state, acked_at);
    `,
  },
  {
    component: 'recording',
    version: 2,
    name: 'recordings to ship index',
    up: `
      -- The link's recording shipper asks for the closed recordings not yet acknowledged on every
      -- pump (each audit append, each control message). The index of version 1 cannot serve that
      -- query (state <> 'open' is not a range), so SQLite scanned every recording ever made and
      -- sorted: about 5 ms per pump at 100,000 recordings, on the event loop that relays sessions.
      -- This index holds only the rows still to ship, in shipping order.
      CREATE INDEX recordings_to_ship ON recordings (closed_at)
        WHERE acked_at IS NULL AND state <> 'open';
    `,
  },
];
