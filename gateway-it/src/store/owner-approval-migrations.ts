/**
 * Owner-signed approvals, IT side (component `owner-approvals`, its own numbering so it merges
 * without renumbering `it`): each OT owner's WebAuthn assertion over the canonical content of the
 * request they approved, kept with the approval so every session ticket of the grant can carry it.
 * Version 2: each site's approval mode and enrolled owners as its OT gateway last published them
 * with its catalogue (docs/link.md), so the portal knows when approving needs a passkey.
 * Append-only list.
 */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const OWNER_APPROVALS: readonly Migration[] = [
  {
    component: 'owner-approvals',
    version: 1,
    name: "OT owners' assertions over the approved content, per request and approver",
    up: `
      -- content: the approved content as JSON (what approvalChallenge hashed); assertion: the
      -- browser's assertion as JSON (no secret: the OT gateway verifies it with the owner's public key).
      CREATE TABLE owner_approval_assertions (
        request_id TEXT NOT NULL REFERENCES access_requests(id) ON DELETE CASCADE,
        approver_id TEXT NOT NULL REFERENCES users(id),
        content TEXT NOT NULL,
        assertion TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (request_id, approver_id)
      ) STRICT;
    `,
  },
  {
    component: 'owner-approvals',
    version: 2,
    name: "each site's published approval mode and enrolled owners' credential ids",
    up: `
      -- approvals: the site's publication as JSON (shared/src/model/site-approvals.ts); no key material.
      CREATE TABLE site_approval_modes (
        site TEXT PRIMARY KEY,
        approvals TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      ) STRICT;
    `,
  },
];
