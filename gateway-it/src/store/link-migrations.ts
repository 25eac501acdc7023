/**
 * The IT gateway's schema for the IT<->OT link (component `link`): enrolled OT gateways and their
 * enrollment tokens, and the per-gateway copy of each site's OT audit chain. Append-only list.
 */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const LINK: readonly Migration[] = [
  {
    component: 'link',
    version: 1,
    name: 'site gateways and enrollment tokens',
    up: `
      -- Only the SHA-256 of a token is stored; the token itself is shown once to the admin.
      CREATE TABLE enrollment_tokens (
        token_hash TEXT PRIMARY KEY,
        site TEXT NOT NULL REFERENCES sites(id),
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        superseded_at INTEGER
      ) STRICT;
      CREATE INDEX enrollment_tokens_site ON enrollment_tokens (site);
      -- One row per OT gateway identity (Ed25519 public key) ever enrolled; at most one active per site.
      CREATE TABLE site_gateways (
        id TEXT PRIMARY KEY,
        site TEXT NOT NULL REFERENCES sites(id),
        public_key TEXT NOT NULL UNIQUE,
        state TEXT NOT NULL CHECK (state IN ('active', 'revoked', 'replaced')),
        enrolled_at INTEGER NOT NULL,
        state_changed_at INTEGER NOT NULL,
        state_changed_by TEXT NOT NULL,
        last_seen INTEGER,
        gateway_version TEXT
      ) STRICT;
      CREATE UNIQUE INDEX site_gateways_one_active ON site_gateways (site) WHERE state = 'active';
    `,
  },
  {
    component: 'link',
    version: 2,
    name: 'ingested OT audit chains',
    up: `
      -- Each OT gateway's hash chain, exactly as it signed it, keyed by gateway and sequence number.
      CREATE TABLE ot_audit_events (
        gateway_id TEXT NOT NULL REFERENCES site_gateways(id),
        site TEXT NOT NULL,
        seq INTEGER NOT NULL,
        id TEXT NOT NULL,
        time INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        event_site TEXT,
        target TEXT,
        outcome TEXT NOT NULL,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (gateway_id, seq)
      ) STRICT;
      CREATE INDEX ot_audit_events_site_time ON ot_audit_events (site, time);
      CREATE TABLE ot_audit_checkpoints (
        gateway_id TEXT NOT NULL REFERENCES site_gateways(id),
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        time INTEGER NOT NULL,
        signature TEXT NOT NULL,
        public_key TEXT NOT NULL,
        PRIMARY KEY (gateway_id, seq)
      ) STRICT;
      CREATE TRIGGER ot_audit_events_no_update BEFORE UPDATE ON ot_audit_events
        BEGIN SELECT RAISE(ABORT, 'ingested audit events are append-only'); END;
      CREATE TRIGGER ot_audit_events_no_delete BEFORE DELETE ON ot_audit_events
        BEGIN SELECT RAISE(ABORT, 'ingested audit events are append-only'); END;
      CREATE TRIGGER ot_audit_checkpoints_no_update BEFORE UPDATE ON ot_audit_checkpoints
        BEGIN SELECT RAISE(ABORT, 'ingested audit checkpoints are append-only'); END;
      CREATE TRIGGER ot_audit_checkpoints_no_delete BEFORE DELETE ON ot_audit_checkpoints
        BEGIN SELECT RAISE(ABORT, 'ingested audit checkpoints are append-only'); END;
    `,
  },
];
