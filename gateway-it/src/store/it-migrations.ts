/**
 * The IT gateway's schema (component `it`), after the shared audit schema. Numbered, append-only
 * list: never edit a released migration, add the next number.
 */
import type { Migration } from '../../../shared/src/store/open-database.js';
import { AUDIT_MIGRATIONS } from '../../../shared/src/audit/audit-migrations.js';

const IT: readonly Migration[] = [
  {
    component: 'it',
    version: 1,
    name: 'sites, users and roles',
    up: `
      CREATE TABLE sites (
        id TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        timezone TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        password_hash TEXT,
        totp_secret_sealed BLOB,
        totp_enrolled_at INTEGER,
        state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'disabled')),
        company TEXT,
        contract_end TEXT,
        can_break_glass INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      ) STRICT;
      -- site is '' for roles that are not per site (admin, engineer, vendor).
      CREATE TABLE user_roles (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'engineer', 'ot-owner', 'vendor', 'auditor')),
        site TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (user_id, role, site),
        CHECK ((role IN ('ot-owner', 'auditor')) = (site <> ''))
      ) STRICT;
    `,
  },
  {
    component: 'it',
    version: 2,
    name: 'site asset catalogues',
    up: `
      -- The catalogue each site's OT gateway publishes (no secrets); replaced whole on each update.
      CREATE TABLE site_assets (
        site TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        protocol TEXT NOT NULL CHECK (protocol IN ('ssh', 'modbus', 'opcua')),
        description TEXT NOT NULL,
        address TEXT NOT NULL,
        service_port INTEGER NOT NULL,
        profiles TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (site, name)
      ) STRICT;
    `,
  },
];

/** SIEM forwarding (component `siem`, its own numbering so it merges without renumbering `it`). */
const SIEM: readonly Migration[] = [
  {
    component: 'siem',
    version: 1,
    name: 'SIEM forwarding cursors',
    up: `
      -- Per stream ('it', 'ot:<site>'): the last event the collector confirmed. The audit tables
      -- themselves are the buffer; this row is the only state the forwarder keeps.
      CREATE TABLE siem_cursors (
        stream TEXT PRIMARY KEY,
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
];

export const IT_MIGRATIONS: readonly Migration[] = [...AUDIT_MIGRATIONS, ...IT, ...SIEM];
