/**
 * Request bodies of the JSON API, strict (an unknown field is an error) and bounded (every string
 * has a maximum length), so bad or oversized input is refused with the field named.
 */
import { z } from 'zod';
import { nameSchema } from '../../../../shared/src/model/session-ticket.js';
import { weeklyRuleSchema } from '../../access/access.js';

const text = (max: number) => z.string().max(max);
const isoTime = z.iso.datetime({
  offset: true,
  message: 'expected an ISO 8601 time with offset, e.g. 2026-03-29T22:00:00+02:00',
});
const userName = z.string().min(1).max(32);

export const loginBody = z.strictObject({
  name: userName,
  password: text(256),
  code: z
    .string()
    .regex(/^\d{6}$/, 'expected the 6-digit code from your authenticator')
    .optional(),
  recoveryCode: text(32).optional(),
});

export const enrollBody = z.strictObject({ name: userName, password: text(256) });
export const enrollConfirmBody = z.strictObject({
  enrollmentToken: text(128),
  code: z.string().regex(/^\d{6}$/, 'expected a 6-digit code'),
});
export const passwordChangeBody = z.strictObject({
  currentPassword: text(256),
  newPassword: text(256),
});

export const assetChoiceSchema = z.strictObject({ asset: nameSchema, profile: nameSchema });

export const requestBody = z.strictObject({
  site: nameSchema,
  assets: z.array(assetChoiceSchema).min(1).max(20),
  start: isoTime,
  end: isoTime,
  reason: text(1000),
  ticketRef: text(64).optional(),
});

export const decisionBody = z.strictObject({
  decision: z.enum(['approve', 'deny']),
  comment: text(1000),
  /** Owner-signed sites: the browser's WebAuthn assertion (the object `startAuthentication` gives). */
  assertion: z.record(z.string(), z.unknown()).optional(),
});
export const reasonBody = z.strictObject({ reason: text(1000) });
export const commentBody = z.strictObject({ comment: text(1000) });

export const breakGlassBody = z.strictObject({
  site: nameSchema,
  assets: z.array(assetChoiceSchema).min(1).max(20),
  // A parse bound only (the config's ceiling, breakGlassMaxHours <= 24): the one limit is the
  // configured one, enforced by access/break-glass.ts (400 naming it, 240 minutes by default).
  durationMinutes: z
    .number()
    .int()
    .min(5)
    .max(24 * 60),
  justification: text(2000),
});

/** One-off windows take ISO times in the API; weekly ones wall-clock times in the site's zone. */
export const apiRuleSchema = z.discriminatedUnion('kind', [
  weeklyRuleSchema,
  z.strictObject({ kind: z.literal('once'), start: isoTime, end: isoTime }),
]);

export const windowBody = z.strictObject({
  asset: nameSchema.nullable().optional(),
  label: text(100),
  rule: apiRuleSchema,
});
export const scheduleBody = z.strictObject({
  vendor: userName,
  asset: nameSchema,
  profile: nameSchema,
  label: text(100),
  rule: apiRuleSchema,
});
export const lockdownBody = z.strictObject({ reason: text(500) });

const roleText = z
  .string()
  .regex(
    /^(admin|engineer|vendor|ot-owner@[a-z0-9][a-z0-9._-]{0,62}|auditor@[a-z0-9][a-z0-9._-]{0,62})$/,
    'expected admin, engineer, vendor, ot-owner@<site> or auditor@<site>',
  );
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');

export const createUserBody = z.strictObject({
  name: userName,
  displayName: text(100).optional(),
  roles: z.array(roleText).min(1).max(32),
  company: text(100).optional(),
  contractEnd: isoDate.optional(),
  canBreakGlass: z.boolean().optional(),
});

export const updateUserBody = z.strictObject({
  displayName: text(100).optional(),
  roles: z.array(roleText).min(1).max(32).optional(),
  canBreakGlass: z.boolean().optional(),
  state: z.enum(['active', 'disabled']).optional(),
  company: text(100).nullable().optional(),
  contractEnd: isoDate.nullable().optional(),
});

export const createSiteBody = z.strictObject({
  id: nameSchema,
  displayName: text(100).optional(),
  timezone: text(64),
});
export const gatewayRevokeBody = z.strictObject({ reason: text(500).min(1) });
/** A site's ITSM check (itsm/site-settings.ts validates further, naming the field). */
export const siteItsmBody = z.strictObject({
  connector: text(40),
  allowedStates: z.array(text(64)).min(1).max(20),
  assetCis: z.record(text(64), text(200)).optional(),
  onUnavailable: z.enum(['deny', 'allow-and-flag']).optional(),
  workNotes: z.boolean().optional(),
});
export const sitePolicyBody = z.strictObject({
  requiredApprovals: z.number().int().min(1).max(5),
  ticketPattern: text(200).nullable(),
  /** A shorter period for SSH keys made fresh by a key + code login (docs/ssh.md); null: the gateway's. */
  sshFreshMinutes: z.number().int().min(0).max(1440).nullable().optional(),
});
