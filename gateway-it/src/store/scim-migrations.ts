/** SCIM provisioning (component `scim`, its own numbering so it merges without renumbering `it`). */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const SCIM: readonly Migration[] = [
  {
    component: 'scim',
    version: 1,
    name: 'SCIM users, groups and memberships per provider',
    up: `
      -- An account an identity provider manages through SCIM: the resource id is the account id.
      -- user_name is the provider's userName (often an e-mail; the account keeps its own name);
      -- attributes is the rest of the resource as the provider last sent it (JSON: name, emails).
      CREATE TABLE scim_users (
        user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        provider TEXT NOT NULL,
        user_name TEXT NOT NULL,
        external_id TEXT,
        attributes TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      -- userName is case-insensitive in SCIM (RFC 7643 4.1.1): unique per provider in that sense.
      CREATE UNIQUE INDEX scim_users_name ON scim_users (provider, user_name COLLATE NOCASE);
      CREATE UNIQUE INDEX scim_users_external ON scim_users (provider, external_id)
        WHERE external_id IS NOT NULL;
      -- A provider's group; its displayName or externalId is what the SSO role mapping names.
      CREATE TABLE scim_groups (
        id TEXT PRIMARY KEY,
        provider TEXT NOT NULL,
        display_name TEXT NOT NULL,
        external_id TEXT,
        version INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX scim_groups_name ON scim_groups (provider, display_name COLLATE NOCASE);
      CREATE TABLE scim_group_members (
        group_id TEXT NOT NULL REFERENCES scim_groups(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES scim_users(user_id) ON DELETE CASCADE,
        PRIMARY KEY (group_id, user_id)
      ) STRICT;
      CREATE INDEX scim_group_members_user ON scim_group_members (user_id);
    `,
  },
];
