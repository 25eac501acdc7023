/**
 * The discovery endpoints (RFC 7644 4, RFC 7643 5-7): what this server supports
 * (ServiceProviderConfig: PATCH and `eq` filters, no bulk, sort, ETags or password changes), the
 * two resource types and the schemas of the attributes it keeps. Static documents; the location
 * URLs use the request's base.
 */
import { GROUP_SCHEMA, USER_SCHEMA } from './scim-resources.js';
import { MAX_PAGE } from './scim-context.js';

const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RT_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export function serviceProviderConfig(base: string): Record<string, unknown> {
  return {
    schemas: [SPC_SCHEMA],
    documentationUri: 'https://github.com/airlock/airlock/blob/main/docs/access.md#scim',
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_PAGE },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'Bearer token',
        description: "The provider's SCIM token (sso.providers.<id>.scimTokenFile)",
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

const RESOURCE_TYPES = [
  { id: 'User', endpoint: '/Users', schema: USER_SCHEMA, description: 'An account' },
  { id: 'Group', endpoint: '/Groups', schema: GROUP_SCHEMA, description: 'Gives roles' },
] as const;

export function resourceType(base: string, id: string): Record<string, unknown> | undefined {
  const t = RESOURCE_TYPES.find((r) => r.id === id);
  return t === undefined
    ? undefined
    : {
        schemas: [RT_SCHEMA],
        id: t.id,
        name: t.id,
        endpoint: t.endpoint,
        description: t.description,
        schema: t.schema,
        meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/${t.id}` },
      };
}

export const resourceTypeIds = RESOURCE_TYPES.map((t) => t.id);

interface Attr {
  readonly name: string;
  readonly type: 'string' | 'boolean' | 'complex' | 'reference';
  readonly multiValued?: boolean;
  readonly required?: boolean;
  readonly mutability?: 'readOnly' | 'readWrite' | 'immutable';
  readonly uniqueness?: 'none' | 'server';
  readonly subAttributes?: readonly Attr[];
}

const attr = (a: Attr): Record<string, unknown> => ({
  name: a.name,
  type: a.type,
  multiValued: a.multiValued ?? false,
  required: a.required ?? false,
  caseExact: false,
  mutability: a.mutability ?? 'readWrite',
  returned: 'default',
  uniqueness: a.uniqueness ?? 'none',
  ...(a.subAttributes === undefined ? {} : { subAttributes: a.subAttributes.map(attr) }),
});

const SCHEMAS = [
  {
    id: USER_SCHEMA,
    name: 'User',
    attributes: [
      { name: 'userName', type: 'string', required: true, uniqueness: 'server' },
      { name: 'externalId', type: 'string' },
      { name: 'displayName', type: 'string' },
      {
        name: 'name',
        type: 'complex',
        subAttributes: [
          { name: 'formatted', type: 'string' },
          { name: 'givenName', type: 'string' },
          { name: 'familyName', type: 'string' },
        ],
      },
      {
        name: 'emails',
        type: 'complex',
        multiValued: true,
        subAttributes: [
          { name: 'value', type: 'string' },
          { name: 'type', type: 'string' },
          { name: 'primary', type: 'boolean' },
        ],
      },
      { name: 'active', type: 'boolean' },
      {
        name: 'groups',
        type: 'complex',
        multiValued: true,
        mutability: 'readOnly',
        subAttributes: [
          { name: 'value', type: 'string', mutability: 'readOnly' },
          { name: 'display', type: 'string', mutability: 'readOnly' },
          { name: '$ref', type: 'reference', mutability: 'readOnly' },
        ],
      },
    ],
  },
  {
    id: GROUP_SCHEMA,
    name: 'Group',
    attributes: [
      { name: 'displayName', type: 'string', required: true, uniqueness: 'server' },
      { name: 'externalId', type: 'string' },
      {
        name: 'members',
        type: 'complex',
        multiValued: true,
        subAttributes: [
          { name: 'value', type: 'string', mutability: 'immutable' },
          { name: 'display', type: 'string', mutability: 'readOnly' },
          { name: '$ref', type: 'reference', mutability: 'immutable' },
        ],
      },
    ],
  },
] as const satisfies readonly { id: string; name: string; attributes: readonly Attr[] }[];

export function schema(base: string, id: string): Record<string, unknown> | undefined {
  const s = SCHEMAS.find((x) => x.id === id);
  return s === undefined
    ? undefined
    : {
        schemas: [SCHEMA_SCHEMA],
        id: s.id,
        name: s.name,
        attributes: s.attributes.map(attr),
        meta: { resourceType: 'Schema', location: `${base}/Schemas/${s.id}` },
      };
}

export const schemaIds = SCHEMAS.map((s) => s.id);
