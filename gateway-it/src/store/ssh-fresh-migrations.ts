/**
 * SSH keys made fresh by a strong login (component `ssh_fresh`, its own numbering so it merges
 * without renumbering `it`): after a key + code login over SSH, that key logs in without a code
 * until `fresh_until` (see ssh/ssh-fresh-logins.ts). A row goes with its key (a removed key is
 * never fresh again), and every row of a user goes when the account stops being active or its
 * password or second factor changes, in the same statement (triggers), so no path that disables
 * an account or resets its credentials can forget it. Append-only list.
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
  {
    component: 'ssh_fresh',
    version: 2,
    name: 'a new password or second factor ends fresh SSH keys',
    // A password reset or change and an authenticator reset or new enrolment are what follows a
    // suspected compromise: the next SSH login needs the (new) code again.
    up: `
      CREATE TRIGGER ssh_key_fresh_logins_end_on_new_credentials
        AFTER UPDATE OF password_hash, totp_secret_sealed ON users
        BEGIN DELETE FROM ssh_key_fresh_logins WHERE user_id = NEW.id; END;
    `,
  },
  {
    component: 'ssh_fresh',
    version: 3,
    name: "a site's own, shorter period for fresh SSH keys",
    // NULL: the gateway's period (ssh.mfaFreshSeconds) applies; a site can only shorten it.
    up: `
      ALTER TABLE site_policies ADD COLUMN ssh_fresh_minutes INTEGER
        CHECK (ssh_fresh_minutes IS NULL OR ssh_fresh_minutes BETWEEN 0 AND 1440);
    `,
  },
];
