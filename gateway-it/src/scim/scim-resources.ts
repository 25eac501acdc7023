/**
 * The SCIM resources as this server reads and writes them (RFC 7643): the input schemas for a
 * User and a Group (POST and PUT bodies, and the result of a PATCH), the PatchOp and ListResponse
 * messages, and how stored rows are shown. Attributes this server does not keep (phone numbers,
 * the enterprise extension Entra ID and Okta send) are accepted and ignored, as RFC 7644 3.3
 * lets a service provider do; those it keeps are checked strictly.
 */
import { z } from 'zod';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const PATCH_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

const schemasWith = (urn: string) =>
  z.array(z.string()).refine((s) => s.includes(urn), { message: `schemas must include ${urn}` });

const text = (max: number) => z.string().trim().min(1).max(max);

/** Entra ID sends booleans as "True"/"False" in PATCH values. */
const scimBoolean = z.preprocess(
  (v) => (typeof v === 'string' && /^(true|false)$/i.test(v) ? v.toLowerCase() === 'true' : v),
  z.boolean(),
);

export const userInput = z.object({
  schemas: schemasWith(USER_SCHEMA),
  userName: text(256),
  externalId: text(256).optional(),
  /** Absent: true for a new user; a PUT without it keeps the state (never re-enables a leaver). */
  active: scimBoolean.optional(),
  displayName: text(100).optional(),
  name: z
    .object({
      formatted: text(200).optional(),
      givenName: text(100).optional(),
      familyName: text(100).optional(),
    })
    .optional(),
  emails: z
    .array(
      z.object({
        value: text(254),
        type: text(32).optional(),
        primary: scimBoolean.optional(),
      }),
    )
    .max(10)
    .optional(),
});
export type UserInput = z.output<typeof userInput>;

export const groupInput = z.object({
  schemas: schemasWith(GROUP_SCHEMA),
  displayName: text(256),
  externalId: text(256).optional(),
  members: z
    .array(z.object({ value: text(64), display: z.string().max(256).optional() }))
    .max(10_000)
    .default([]),
});
export type GroupInput = z.output<typeof groupInput>;

export const patchInput = z.object({
  schemas: schemasWith(PATCH_SCHEMA),
  Operations: z
    .array(
      z.object({
        op: z.string().min(1).max(16),
        path: z.string().max(512).optional(),
        value: z.unknown().optional(),
      }),
    )
    .min(1)
    .max(1000),
});

/** The attributes a PATCH may touch, and which are multi-valued (scim-patch.ts). */
export const USER_SHAPE = {
  attributes: ['userName', 'externalId', 'active', 'displayName', 'name', 'emails'],
  multiValued: ['emails'],
} as const;
export const GROUP_SHAPE = {
  attributes: ['displayName', 'externalId', 'members'],
  multiValued: ['members'],
} as const;

export interface Meta {
  readonly resourceType: 'User' | 'Group';
  readonly created: string;
  readonly lastModified: string;
  readonly location: string;
  readonly version: string;
}

export function meta(
  resourceType: 'User' | 'Group',
  location: string,
  row: { createdAt: number; updatedAt: number; version: number },
): Meta {
  return {
    resourceType,
    created: new Date(row.createdAt).toISOString(),
    lastModified: new Date(row.updatedAt).toISOString(),
    location,
    version: `W/"${row.version}"`,
  };
}

export function listResponse(
  resources: readonly unknown[],
  total: number,
  startIndex: number,
): Record<string, unknown> {
  return {
    schemas: [LIST_SCHEMA],
    totalResults: total,
    startIndex,
    itemsPerPage: resources.length,
    Resources: resources,
  };
}
