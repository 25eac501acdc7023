/**
 * Login throttling per (account, source) and the sources an account has logged in from
 * (component `throttle`, its own numbering so it merges without renumbering `it`). Append-only list.
 */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const THROTTLE: readonly Migration[] = [
  {
    component: 'throttle',
    version: 1,
    name: 'per (account, source) backoff and known login sources',
    up: `
      -- Failed logins of one account name from one source address, in a window; blocked_until is
      -- the backoff that doubles with each failure past the free ones.
      CREATE TABLE login_throttle_pairs (
        account TEXT NOT NULL,
        source TEXT NOT NULL,
        window_start INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        blocked_until INTEGER,
        PRIMARY KEY (account, source)
      ) STRICT;
      -- Where an account last completed a login: an account lock (many sources failing) does not
      -- hold back a source the account itself uses.
      CREATE TABLE login_known_sources (
        account TEXT NOT NULL,
        source TEXT NOT NULL,
        last_success INTEGER NOT NULL,
        PRIMARY KEY (account, source)
      ) STRICT;
    `,
  },
];
