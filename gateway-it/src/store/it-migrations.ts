/**
 * The IT gateway's schema (component `it`), after the shared audit schema. Numbered, append-only
 * list: never edit a released migration, add the next number.
 */
import type { Migration } from '../../../shared/src/store/open-database.js';
import { ITSM_MIGRATIONS } from './itsm-migrations.js';
import { NOTIFY_MIGRATIONS } from './notify-migrations.js';
import { SSO_MIGRATIONS } from './sso-migrations.js';
import { PASSKEY_MIGRATIONS } from './passkey-migrations.js';
import { SCIM } from './scim-migrations.js';
import { QUORUM_MIGRATIONS } from './quorum-migrations.js';
import { AUDIT_MIGRATIONS } from '../../../shared/src/audit/audit-migrations.js';
import { LINK } from './link-migrations.js';
import { RECORDING } from './recording-migrations.js';
import { REVIEW } from './review-migrations.js';
import { PLAYBACK } from './playback-migrations.js';
import { EXPORT_APPROVALS } from './export-approval-migrations.js';
import { SETUP } from './setup-migrations.js';
import { SSH_FRESH } from './ssh-fresh-migrations.js';
import { THROTTLE } from './throttle-migrations.js';
import { OWNER_APPROVALS } from './owner-approval-migrations.js';

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
  {
    component: 'it',
    version: 3,
    name: 'login state, second factor, sessions and tokens',
    up: `
      -- The last TOTP time step accepted for the user: a code at or before it is a replay.
      ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
      -- Recovery codes are 80-bit random values, so a fast keyed hash is enough (no brute force).
      CREATE TABLE recovery_codes (
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        code_hash TEXT NOT NULL,
        used_at INTEGER,
        PRIMARY KEY (user_id, code_hash)
      ) STRICT;
      -- Portal sessions, API tokens and the short-lived steps of a login (password done, second
      -- factor or enrollment pending). Only a hash of the bearer secret is stored.
      CREATE TABLE auth_sessions (
        id TEXT PRIMARY KEY,
        secret_hash TEXT NOT NULL UNIQUE,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('web', 'api', 'mfa-pending', 'mfa-enroll')),
        csrf_token TEXT,
        source TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        idle_timeout_ms INTEGER,
        expires_at INTEGER NOT NULL,
        enroll_secret_sealed BLOB,
        ended_at INTEGER,
        end_reason TEXT
      ) STRICT;
      CREATE INDEX auth_sessions_user ON auth_sessions (user_id, ended_at);
      -- Failed-login counters per account name (known or not, so answers do not reveal which
      -- names exist) and per source address, in fixed windows; locked_until for accounts.
      CREATE TABLE login_throttle (
        scope TEXT NOT NULL CHECK (scope IN ('account', 'source')),
        key TEXT NOT NULL,
        window_start INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        locked_until INTEGER,
        PRIMARY KEY (scope, key)
      ) STRICT;
    `,
  },
  {
    component: 'it',
    version: 4,
    name: 'site policy, lockdown, windows, vendor schedules, requests, approvals, grants',
    up: `
      CREATE TABLE site_policies (
        site TEXT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
        required_approvals INTEGER NOT NULL CHECK (required_approvals BETWEEN 1 AND 5),
        ticket_pattern TEXT,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE site_lockdowns (
        site TEXT PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
        locked INTEGER NOT NULL CHECK (locked IN (0, 1)),
        reason TEXT NOT NULL,
        changed_by TEXT NOT NULL,
        changed_at INTEGER NOT NULL
      ) STRICT;
      -- rule: JSON, {kind:'once',start,end} or {kind:'weekly',days,start,end} (site wall-clock times).
      CREATE TABLE maintenance_windows (
        id TEXT PRIMARY KEY,
        site TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        asset TEXT,
        label TEXT NOT NULL,
        rule TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        deleted_at INTEGER
      ) STRICT;
      CREATE INDEX maintenance_windows_site ON maintenance_windows (site, deleted_at);
      CREATE TABLE vendor_schedules (
        id TEXT PRIMARY KEY,
        site TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        vendor_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        asset TEXT NOT NULL,
        profile TEXT NOT NULL,
        label TEXT NOT NULL,
        rule TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        deleted_at INTEGER
      ) STRICT;
      CREATE INDEX vendor_schedules_vendor ON vendor_schedules (vendor_id, site, deleted_at);
      CREATE TABLE access_requests (
        id TEXT PRIMARY KEY,
        requester_id TEXT NOT NULL REFERENCES users(id),
        site TEXT NOT NULL REFERENCES sites(id),
        starts_at INTEGER NOT NULL,
        ends_at INTEGER NOT NULL CHECK (ends_at > starts_at),
        reason TEXT NOT NULL,
        ticket_ref TEXT,
        break_glass INTEGER NOT NULL DEFAULT 0 CHECK (break_glass IN (0, 1)),
        status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'cancelled', 'expired')),
        required_approvals INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        closed_at INTEGER
      ) STRICT;
      CREATE INDEX access_requests_requester ON access_requests (requester_id, created_at);
      CREATE INDEX access_requests_site ON access_requests (site, status);
      CREATE TABLE request_assets (
        request_id TEXT NOT NULL REFERENCES access_requests(id) ON DELETE CASCADE,
        asset TEXT NOT NULL,
        protocol TEXT NOT NULL CHECK (protocol IN ('ssh', 'modbus', 'opcua')),
        profile TEXT NOT NULL,
        PRIMARY KEY (request_id, asset)
      ) STRICT;
      CREATE TABLE request_decisions (
        request_id TEXT NOT NULL REFERENCES access_requests(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        approver_id TEXT NOT NULL REFERENCES users(id),
        decision TEXT NOT NULL CHECK (decision IN ('approve', 'deny')),
        comment TEXT NOT NULL CHECK (length(comment) > 0),
        decided_at INTEGER NOT NULL,
        PRIMARY KEY (request_id, seq)
      ) STRICT;
      CREATE TABLE grants (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL UNIQUE REFERENCES access_requests(id),
        user_id TEXT NOT NULL REFERENCES users(id),
        site TEXT NOT NULL REFERENCES sites(id),
        not_before INTEGER NOT NULL,
        not_after INTEGER NOT NULL CHECK (not_after > not_before),
        break_glass INTEGER NOT NULL CHECK (break_glass IN (0, 1)),
        status TEXT NOT NULL CHECK (status IN ('active', 'revoked', 'expired')),
        issued_at INTEGER NOT NULL,
        ended_at INTEGER,
        ended_by TEXT,
        end_reason TEXT,
        reviewed_by TEXT REFERENCES users(id),
        reviewed_at INTEGER,
        review_comment TEXT
      ) STRICT;
      CREATE INDEX grants_user ON grants (user_id, status);
      CREATE INDEX grants_site ON grants (site, status);
      CREATE INDEX grants_active_end ON grants (status, not_after);
    `,
  },
  {
    component: 'it',
    version: 5,
    name: "users' SSH public keys",
    up: `
      CREATE TABLE user_ssh_keys (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id),
        algorithm TEXT NOT NULL,
        key_blob BLOB NOT NULL,
        fingerprint TEXT NOT NULL UNIQUE,
        comment TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER
      ) STRICT;
      CREATE INDEX user_ssh_keys_user ON user_ssh_keys (user_id);
    `,
  },
  {
    component: 'it',
    version: 6,
    name: 'user roles by role and site',
    // Who holds a role at a site (a site's OT owners, whether an admin exists) without a scan of
    // every assignment; the primary key leads with the user. An index only: a build that lacks
    // this migration reads the same rows (the appliance's upgrade test leaves it out for that).
    up: `CREATE INDEX user_roles_role_site ON user_roles (role, site);`,
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

export const IT_MIGRATIONS: readonly Migration[] = [
  ...AUDIT_MIGRATIONS,
  ...IT,
  ...LINK,
  ...RECORDING,
  ...SIEM,
  ...REVIEW,
  ...PLAYBACK,
  ...EXPORT_APPROVALS,
  ...SETUP,
  ...THROTTLE,
  ...OWNER_APPROVALS,
  ...ITSM_MIGRATIONS,
  ...SSH_FRESH,
  ...SSO_MIGRATIONS,
  ...PASSKEY_MIGRATIONS,
  ...SCIM,
  ...NOTIFY_MIGRATIONS,
  ...QUORUM_MIGRATIONS,
];
