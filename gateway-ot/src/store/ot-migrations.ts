/** The OT gateway's schema (component `ot`), after the shared audit schema. Append-only list. */
import type { Migration } from '../../../shared/src/store/open-database.js';
import { AUDIT_MIGRATIONS } from '../../../shared/src/audit/audit-migrations.js';
import { VAULT_MIGRATIONS } from './vault-migrations.js';
import { RECORDING_MIGRATIONS } from './recording-migrations.js';
import { OWNER_KEYS_MIGRATIONS } from './owner-keys-migrations.js';
import { LEARNING_MIGRATIONS } from './learning-migrations.js';
import { DISCOVERY_MIGRATIONS } from './discovery-migrations.js';
import { LEARNING_REVIEW_MIGRATIONS } from './learning-review-migrations.js';

const OT: readonly Migration[] = [
  {
    component: 'ot',
    version: 1,
    name: 'gateway state',
    up: `
      -- Small key/value facts about this gateway (enrollment, local lockdown...), one row each.
      CREATE TABLE gateway_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    component: 'ot',
    version: 2,
    name: 'session ticket nonces',
    up: `
      -- Nonces of session tickets already presented, kept for as long as such a ticket could still be
      -- accepted by its times (see grants/ticket-verifier.ts), so a replay is refused, also after a restart.
      CREATE TABLE ticket_nonces (
        nonce TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        seen_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX ticket_nonces_seen_at ON ticket_nonces (seen_at);
    `,
  },
  {
    component: 'ot',
    version: 3,
    name: 'open sessions',
    up: `
      -- One row per session whose session.start is audited and whose session.end is not yet:
      -- written and removed in the same transaction as those events, so the rows a crash leaves
      -- are exactly the sessions it cut (closed at the next start with reason gateway_crash).
      CREATE TABLE open_sessions (
        session_id TEXT PRIMARY KEY,
        grant_id TEXT NOT NULL,
        user_name TEXT NOT NULL,
        asset TEXT NOT NULL,
        protocol TEXT NOT NULL,
        started_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
  {
    component: 'ot',
    version: 4,
    name: 'open session counts',
    up: `
      -- A session's counters (JSON object of numbers, e.g. a Modbus session's reads) as its broker
      -- last reported them, and when they were written (ms): written at most once a second while
      -- they change (sessions/session-counts.ts), so the session.end a crash leaves to recovery can
      -- carry them "as of" that time. NULL until the first write (and for brokers that count nothing).
      ALTER TABLE open_sessions ADD COLUMN counts TEXT;
      ALTER TABLE open_sessions ADD COLUMN counts_at INTEGER;
    `,
  },
];

export const OT_MIGRATIONS: readonly Migration[] = [
  ...AUDIT_MIGRATIONS,
  ...OT,
  ...VAULT_MIGRATIONS,
  ...RECORDING_MIGRATIONS,
  ...OWNER_KEYS_MIGRATIONS,
  ...LEARNING_MIGRATIONS,
  ...DISCOVERY_MIGRATIONS,
  ...LEARNING_REVIEW_MIGRATIONS,
];
