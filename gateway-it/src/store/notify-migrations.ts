/** Notifications (component `notify`, its own numbering so it merges without renumbering `it`). */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const NOTIFY_MIGRATIONS: readonly Migration[] = [
  {
    component: 'notify',
    version: 1,
    name: 'e-mail addresses and preferences, site webhooks, notices sent once',
    up: `
      -- A person's e-mail address (set by an admin or by the person) and the kinds of notice they
      -- want by e-mail (a JSON array of kinds; absent row: no address, nothing by e-mail).
      CREATE TABLE user_notify_settings (
        user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        email TEXT,
        email_kinds TEXT NOT NULL DEFAULT '[]',
        updated_by TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
      -- Chat webhooks of a site. The URL is a credential of the chat tool (whoever has it posts):
      -- it is shown and audited by host only.
      CREATE TABLE site_webhooks (
        id TEXT PRIMARY KEY,
        site TEXT NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        url TEXT NOT NULL,
        format TEXT NOT NULL CHECK (format IN ('generic', 'slack', 'teams')),
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX site_webhooks_site ON site_webhooks (site);
      -- Notices that must go out once only (a grant ending soon), recorded before they are sent,
      -- so a restart never sends one twice.
      CREATE TABLE notices_sent (
        key TEXT PRIMARY KEY,
        sent_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
];
