/** OT owners' passkeys (component `owner-keys`): pending enrollments and enrolled keys. Append-only list. */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const OWNER_KEYS_MIGRATIONS: readonly Migration[] = [
  {
    component: 'owner-keys',
    version: 1,
    name: 'owner enrollments and keys',
    up: `
      -- An enrollment started with 'airlock-ot owner enroll-start': the one-time code is never
      -- stored, only the WebAuthn challenge it yields (SHA-256 over code, site and owner), so the
      -- database does not reveal the code either. One pending enrollment per owner; used or
      -- expired rows are deleted. failures: refused completions (the row goes after 5).
      CREATE TABLE owner_enrollments (
        owner TEXT PRIMARY KEY,
        challenge TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      -- An owner's passkey as this gateway verified it: the COSE public key, the RP id and the
      -- portal origin of the registration (assertions must come from the same), and the highest
      -- signature counter accepted (never allowed to go backwards).
      CREATE TABLE owner_keys (
        credential_id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        public_key BLOB NOT NULL,
        rp_id TEXT NOT NULL,
        origin TEXT NOT NULL,
        counter INTEGER NOT NULL,
        enrolled_at INTEGER NOT NULL,
        last_used_at INTEGER
      ) STRICT;
      CREATE INDEX owner_keys_owner ON owner_keys (owner);
    `,
  },
];
