/** Single sign-on (component `sso`, its own numbering so it merges without renumbering `it`). */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const SSO_MIGRATIONS: readonly Migration[] = [
  {
    component: 'sso',
    version: 1,
    name: 'SSO identities, login attempts, how a login step began',
    up: `
      -- An account bound to an identity at an OpenID provider: by issuer and subject only. The
      -- e-mail is the last one seen, for people to read; it is never used to find an account.
      CREATE TABLE sso_identities (
        issuer TEXT NOT NULL,
        subject TEXT NOT NULL,
        user_id TEXT NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
        provider TEXT NOT NULL,
        email TEXT,
        created_at INTEGER NOT NULL,
        last_login_at INTEGER,
        PRIMARY KEY (issuer, subject)
      ) STRICT;
      -- One row per login sent to a provider: state (its hash), nonce and PKCE verifier (sealed)
      -- stay here, bound to the browser that started it (its cookie's hash); used once.
      CREATE TABLE sso_login_attempts (
        state_hash TEXT PRIMARY KEY,
        browser_hash TEXT NOT NULL,
        provider TEXT NOT NULL,
        nonce TEXT NOT NULL,
        verifier_sealed BLOB NOT NULL,
        source TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER
      ) STRICT;
      CREATE INDEX sso_login_attempts_created ON sso_login_attempts (created_at);
      CREATE INDEX sso_login_attempts_source ON sso_login_attempts (source, expires_at);
      -- How a login step's first factor was proven (JSON); NULL: a password.
      ALTER TABLE auth_sessions ADD COLUMN first_factor TEXT;
    `,
  },
];
