/** The vault's schema (component `vault`): sealed secrets, one row per asset and account. Append-only list. */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const VAULT_MIGRATIONS: readonly Migration[] = [
  {
    component: 'vault',
    version: 1,
    name: 'sealed secrets',
    up: `
      -- sealed: nonce || XChaCha20-Poly1305 ciphertext under the master key (kept outside this
      -- database), with associated data naming asset, account and kind.
      -- pending: a rotation's new secret, written BEFORE it is set on the target, so a crash or a
      -- lost connection mid-rotation leaves both to try; cleared when the outcome is known.
      CREATE TABLE vault_secrets (
        asset TEXT NOT NULL,
        account TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('password', 'private-key')),
        sealed BLOB NOT NULL,
        pending BLOB,
        -- rotating: a rotation is setting it on the target now; unknown: that rotation could not
        -- tell whether the target took it. Only an unknown (or a stale rotating) pending is
        -- resolved by a session's login.
        pending_state TEXT CHECK (pending_state IN ('rotating', 'unknown')),
        pending_since INTEGER,
        version INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        rotated_at INTEGER,
        PRIMARY KEY (asset, account),
        CHECK ((pending IS NULL) = (pending_state IS NULL))
      ) STRICT;
    `,
  },
];
