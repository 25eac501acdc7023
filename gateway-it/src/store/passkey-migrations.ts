/**
 * Passkeys (component `passkeys`, its own numbering so it merges without renumbering `it`): the
 * WebAuthn credentials registered to accounts, and the challenges handed to browsers. A
 * challenge is bound to what the browser holds (its portal session, login step or pre-login
 * cookie: a hash of it), short-lived, and deleted by the statement that uses it, so it works once.
 * Append-only list.
 */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const PASSKEY_MIGRATIONS: readonly Migration[] = [
  {
    component: 'passkeys',
    version: 1,
    name: 'passkeys and their challenges',
    up: `
      CREATE TABLE passkeys (
        id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        -- base64url, as the browser reports it; one account per credential.
        credential_id TEXT NOT NULL UNIQUE,
        -- COSE public key as registered; a public key is no secret.
        public_key BLOB NOT NULL,
        -- The last signature counter accepted (0: the authenticator keeps none).
        counter INTEGER NOT NULL CHECK (counter >= 0),
        transports TEXT NOT NULL,
        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
        user_verified INTEGER NOT NULL CHECK (user_verified IN (0, 1)),
        created_at INTEGER NOT NULL,
        last_used_at INTEGER
      ) STRICT;
      CREATE INDEX passkeys_user ON passkeys (user_id);
      -- An admin's second-factor reset (lost device: the TOTP seed set to NULL) removes every
      -- passkey of the account in the same statement, so no path that resets it can forget them.
      CREATE TRIGGER passkeys_mfa_reset AFTER UPDATE OF totp_secret_sealed ON users
        WHEN NEW.totp_secret_sealed IS NULL
      BEGIN
        DELETE FROM passkeys WHERE user_id = NEW.id;
      END;
      CREATE TABLE passkey_challenges (
        challenge TEXT PRIMARY KEY,
        purpose TEXT NOT NULL CHECK (purpose IN ('register', 'login', 'second-factor')),
        binding_hash TEXT NOT NULL,
        user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
        -- The address that asked for it: one address keeps only its newest few live.
        source TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX passkey_challenges_binding ON passkey_challenges (binding_hash, purpose);
      CREATE INDEX passkey_challenges_expiry ON passkey_challenges (expires_at);
      CREATE INDEX passkey_challenges_source ON passkey_challenges (source, created_at);
    `,
  },
];
