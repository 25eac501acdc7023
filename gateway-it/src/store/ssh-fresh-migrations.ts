/**
 * SSH keys made fresh by a strong login (component `ssh_fresh`, its own numbering so it merges
 * without renumbering `it`): after a key + code login over SSH, that key logs in without a code
 * until `fresh_until` (see ssh/ssh-fresh-logins.ts). A row goes with its key (a removed key is
 * never fresh again), and every row of a user goes when the account stops being active, in the
 * same statement that changes its state (the trigger), so no path that disables an account can
 * forget it. Append-only list.
 */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const SSH_FRESH: readonly Migration[] = [
  {
    component: 'ssh_fresh',
    version: 1,
    name: 'SSH keys fresh after a strong login',
    up: `
      CREATE TABLE ssh_key_fresh_logins (
        key_id TEXT PRIMARY KEY REFERENCES user_ssh_keys(id) ON DELETE CASCADE,
        user_id TEXT NOT NULL REFERENCES users(id),
        -- The key + code login that made the key fresh, and from where.
        verified_at INTEGER NOT NULL,
        source TEXT NOT NULL,
        fresh_until INTEGER NOT NULL,
        CHECK (fresh_until > verified_at)
      ) STRICT;
      CREATE INDEX ssh_key_fresh_logins_user ON ssh_key_fresh_logins (user_id);
      CREATE TRIGGER ssh_key_fresh_logins_end_when_inactive
        AFTER UPDATE OF state ON users WHEN NEW.state <> 'active'
        BEGIN DELETE FROM ssh_key_fresh_logins WHERE user_id = NEW.id; END;
    `,
  },
];
