/** Discovery results (component `discovery`): runs and the proposals they found. Append-only list. */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const DISCOVERY_MIGRATIONS: readonly Migration[] = [
  {
    component: 'discovery',
    version: 1,
    name: 'discovery runs and proposals',
    up: `
      -- One row per \`airlock-ot discover\` run: who ran it, what it probed (JSON plan) and what it
      -- counted (JSON, set at the end; NULL for a run cut short).
      CREATE TABLE discovery_runs (
        id TEXT PRIMARY KEY,
        actor TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        plan TEXT NOT NULL,
        counts TEXT
      ) STRICT;
      -- What a run found on one host:port. state: proposed (a clean answer, may be onboarded),
      -- garbage (answered, not as its protocol: never onboarded), onboarded (asset = its name).
      -- finding: the clean finding (JSON, shared/src/model/discovery.ts); seen: what garbage sent.
      CREATE TABLE discovery_proposals (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES discovery_runs (id),
        protocol TEXT NOT NULL,
        address TEXT NOT NULL,
        port INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('proposed', 'garbage', 'onboarded')),
        found_at INTEGER NOT NULL,
        finding TEXT,
        seen TEXT,
        asset TEXT,
        onboarded_at INTEGER
      ) STRICT;
      CREATE INDEX discovery_proposals_found ON discovery_proposals (found_at);
    `,
  },
];
