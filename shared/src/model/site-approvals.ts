/**
 * What an OT gateway publishes of its `approvals` policy with its asset catalogue (docs/link.md,
 * "Asset catalogue"): the mode, its quorum and break-glass assets, and the owners enrolled at the
 * site with their passkeys' credential ids. The IT portal uses it to know whether approving needs
 * a passkey assertion and which credentials to ask for; it carries no key material (public keys
 * stay at the OT gateway, which alone verifies). Not here: the OT policy's own parsing
 * (gateway-ot/src/policy/approval-policy.ts) or any check of an assertion.
 * Guarantees: a well-formed value names each owner once; an absent publication (an older OT
 * gateway) means `it-signed`, the only mode such a gateway has.
 */
import { z } from 'zod';
import { nameSchema } from './names.js';
import { ownerNameSchema } from './owner-approval.js';

export const SITE_APPROVAL_MODES = ['it-signed', 'owner-signed'] as const;
export type SiteApprovalMode = (typeof SITE_APPROVAL_MODES)[number];

const credentialId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,1024}$/, 'expected a base64url credential id');

export const siteApprovalsSchema = z
  .strictObject({
    mode: z.enum(SITE_APPROVAL_MODES),
    /** The OT floor of distinct approvers; null: none of its own (it-signed) or 1 (owner-signed). */
    quorum: z.number().int().min(1).max(16).nullable(),
    /** Assets where break-glass is let through; null: every asset (it-signed) or none (owner-signed). */
    breakGlassAssets: z.array(nameSchema).max(1000).nullable(),
    owners: z
      .array(
        z.strictObject({
          name: ownerNameSchema,
          credentialIds: z.array(credentialId).min(1).max(32),
        }),
      )
      .max(1000),
  })
  .refine((a) => new Set(a.owners.map((o) => o.name)).size === a.owners.length, {
    message: 'an owner is listed twice',
    path: ['owners'],
  });
export type SiteApprovals = z.output<typeof siteApprovalsSchema>;

/** What an IT gateway assumes of a site that published nothing (older OT gateways). */
export const IT_SIGNED: SiteApprovals = {
  mode: 'it-signed',
  quorum: null,
  breakGlassAssets: null,
  owners: [],
};
