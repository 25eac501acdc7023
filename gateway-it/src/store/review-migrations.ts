/**
 * The IT gateway's schema for lines the sites' SSH command filters hold for review (component
 * `review`). A row is shown to the site's OT owners while pending; its end (a decision, the site's
 * timeout, the session's end, the link lost) is kept for the record. Append-only list.
 */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const REVIEW: readonly Migration[] = [
  {
    component: 'review',
    version: 1,
    name: 'command lines held for review',
    up: `
      CREATE TABLE command_reviews (
        id TEXT PRIMARY KEY,
        site TEXT NOT NULL REFERENCES sites(id),
        -- The OT gateway's id for the held line (unique per site); decisions go back under it.
        review_id TEXT NOT NULL,
        session_id TEXT NOT NULL,
        asset TEXT NOT NULL,
        requester_id TEXT NOT NULL,
        requester_name TEXT NOT NULL,
        -- NULL when the line must not be shown (typed at a password prompt).
        line TEXT,
        why TEXT NOT NULL,
        requested_at INTEGER NOT NULL,
        -- When the OT gateway denies it by its own clock.
        expires_at INTEGER NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'allowed', 'denied', 'timeout', 'session_ended', 'link_lost')),
        reviewer_id TEXT,
        reviewer_name TEXT,
        comment TEXT,
        closed_at INTEGER,
        UNIQUE (site, review_id)
      ) STRICT;
      CREATE INDEX command_reviews_pending ON command_reviews (state, site, requested_at);
    `,
  },
];
