/**
 * OPC UA assets and access profiles in the OT local policy, and the one decision the broker asks of
 * them: what may this profile do with this node. Rules name nodes by namespace URI and identifier,
 * never by namespace index (indexes change when a server is reconfigured); an identifier is written
 * as in OPC UA text form without the `ns=` part (`s=Line1.Setpoint`, `i=1001`), and `*` in it
 * matches any run of characters. Rules are tried in order, the first match decides, and a node no
 * rule matches is not there for the operator (deny by default).
 *
 * Guarantees: a write rule always carries a data type, and numeric writes always carry bounds, so
 * "write anything" cannot be written by mistake. Not guaranteed: that the plant's node really has
 * the rule's data type; the broker checks that against the plant when it builds the session's view.
 */
import { z } from 'zod';
import type { AssetPolicy } from '../../policy/policy.js';
import { OPCUA_WRITABLE_TYPES } from '../../../../shared/src/model/opcua-scalars.js';
import { linearRegex, type LinearRegex } from '../../../../shared/src/text/linear-regex.js';

/** The scalar data types a write rule may name (OPC UA built-in type names). */
export const WRITABLE_DATA_TYPES = OPCUA_WRITABLE_TYPES;
export type WritableDataType = (typeof WRITABLE_DATA_TYPES)[number];
export const NUMERIC_DATA_TYPES: ReadonlySet<WritableDataType> = new Set([
  'SByte',
  'Byte',
  'Int16',
  'UInt16',
  'Int32',
  'UInt32',
  'Float',
  'Double',
]);

/** `i=`, `s=`, `g=` or `b=` followed by the identifier; `*` is a wildcard. No `ns=`. */
const nodePatternSchema = z
  .string()
  .min(3)
  .max(512)
  .regex(
    /^[isgb]=/,
    'expected "i=", "s=", "g=" or "b=" then the identifier (no "ns=": rules name the namespace by URI)',
  );

const namespaceUriSchema = z.string().min(1).max(512);

const baseRule = {
  /** Defaults to the profile's namespaceUri. */
  namespaceUri: namespaceUriSchema.optional(),
  node: nodePatternSchema,
};

export const opcuaNodeRuleSchema = z.discriminatedUnion('access', [
  /** Visible in Browse (objects, folders), values not readable. */
  z.strictObject({ ...baseRule, access: z.literal('browse') }),
  /** Browse, Read (all attributes) and subscriptions. */
  z.strictObject({ ...baseRule, access: z.literal('read') }),
  /** As read, plus Write of the Value attribute of this data type within the bounds. */
  z
    .strictObject({
      ...baseRule,
      access: z.literal('write'),
      dataType: z.enum(WRITABLE_DATA_TYPES),
      min: z.number().finite().optional(),
      max: z.number().finite().optional(),
      maxLength: z.number().int().min(0).max(65_535).optional(),
      /** Boolean and String rules: the only values that may be written (what `policy propose` enumerates). */
      values: z
        .array(z.union([z.boolean(), z.string().max(65_535)]))
        .min(1)
        .max(64)
        .optional(),
    })
    .superRefine((r, ctx) => {
      if (r.values !== undefined) {
        const expected = r.dataType === 'Boolean' ? 'boolean' : 'string';
        if (NUMERIC_DATA_TYPES.has(r.dataType))
          ctx.addIssue({
            code: 'custom',
            path: ['values'],
            message: 'values are for Boolean and String rules (numeric rules have min and max)',
          });
        else if (r.values.some((v) => typeof v !== expected))
          ctx.addIssue({
            code: 'custom',
            path: ['values'],
            message: `values of a ${r.dataType} rule must be ${expected}s`,
          });
        else if (r.values.some((v) => typeof v === 'string' && v.length > (r.maxLength ?? 0)))
          ctx.addIssue({
            code: 'custom',
            path: ['values'],
            message: 'a value is longer than maxLength',
          });
      }
      if (NUMERIC_DATA_TYPES.has(r.dataType)) {
        if (r.min === undefined || r.max === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['min'],
            message: `a ${r.dataType} write rule needs min and max`,
          });
        else if (r.min > r.max)
          ctx.addIssue({ code: 'custom', path: ['max'], message: 'max must be at least min' });
        if (r.maxLength !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['maxLength'],
            message: 'maxLength is for String rules',
          });
      } else {
        if (r.min !== undefined || r.max !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['min'],
            message: `min and max are for numeric rules, not ${r.dataType}`,
          });
        if (r.dataType === 'String' && r.maxLength === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['maxLength'],
            message: 'a String write rule needs maxLength',
          });
        if (r.dataType === 'Boolean' && r.maxLength !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['maxLength'],
            message: 'maxLength is for String rules',
          });
      }
    }),
  /** Browse the method and Call it (arguments are forwarded as given and audited). */
  z.strictObject({ ...baseRule, access: z.literal('call') }),
]);

export const opcuaProfileSchema = z.strictObject({
  description: z.string().max(200).optional(),
  /** Namespace URI whose nodes this profile may see; the default for every rule. */
  namespaceUri: namespaceUriSchema,
  /** Ordered; the first rule that matches a node decides. Empty: the profile sees nothing. */
  nodes: z.array(opcuaNodeRuleSchema).max(500).default([]),
  /**
   * The hard ceiling of learn mode (docs/policy.md): while the profile learns, the session's view is
   * built from these rules instead of `nodes` (same form, same namespace default). Absent: the
   * profile cannot be put in learn mode.
   */
  learnCeiling: z.strictObject({ nodes: z.array(opcuaNodeRuleSchema).min(1).max(500) }).optional(),
  limits: z
    .strictObject({
      /** OPC UA sessions one forwarded connection may hold. */
      maxSessions: z.number().int().min(1).max(16).default(2),
      maxSubscriptions: z.number().int().min(1).max(100).default(10),
      maxMonitoredItems: z.number().int().min(1).max(10_000).default(200),
      /** Largest OPC UA message (after chunk reassembly) either way, in bytes. */
      maxMessageBytes: z
        .number()
        .int()
        .min(8192)
        .max(16 * 1024 * 1024)
        .default(1024 * 1024),
    })
    .prefault({}),
});

export const opcuaAssetSchema = z.strictObject({
  protocol: z.literal('opcua'),
  description: z.string().max(200).optional(),
  address: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535).default(4840),
  /** The account the gateway logs in as; its secret is in the vault. Absent: the gateway's application certificate identifies it. */
  username: z.string().min(1).max(64).optional(),
  /**
   * SHA-256 (hex) of the plant server's certificate (DER), recorded at onboarding. A session is
   * refused unless the server presents exactly this certificate; without it no session starts.
   */
  serverCertificateSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (SHA-256 of the DER certificate)')
    .optional(),
  profiles: z.record(z.string(), opcuaProfileSchema),
});

export type OpcuaAssetPolicy = z.output<typeof opcuaAssetSchema>;

/** The policy loader parsed every `opcua` asset with opcuaAssetSchema (it was registered for `opcua`). */
export function isOpcuaAsset(asset: AssetPolicy): asset is OpcuaAssetPolicy {
  return asset.protocol === 'opcua';
}
export type OpcuaProfile = z.output<typeof opcuaProfileSchema>;
export type OpcuaNodeRule = z.output<typeof opcuaNodeRuleSchema>;
export type OpcuaWriteRule = Extract<OpcuaNodeRule, { access: 'write' }>;
export type OpcuaProfileLimits = OpcuaProfile['limits'];

/** A node as the rules see it: the namespace by URI, the identifier in text form (`s=...`, `i=...`). */
export interface NodeRef {
  readonly namespaceUri: string;
  readonly identifier: string;
}

export type NodeDecision =
  | { readonly kind: 'allow'; readonly rule: OpcuaNodeRule; readonly ruleIndex: number }
  | { readonly kind: 'deny'; readonly reason: string };

/** A profile compiled once: rules with their patterns turned into anchored regular expressions. */
export interface CompiledProfile {
  readonly profile: OpcuaProfile;
  /** Namespaces any rule names; the broker only explores these on the plant. */
  readonly namespaceUris: ReadonlySet<string>;
  decide(node: NodeRef): NodeDecision;
}

/** Linear-time matching (shared/src/text/linear-regex.ts): `a*a*a*b` costs no more than `a*`. */
function globToRegExp(pattern: string): LinearRegex {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return linearRegex(`^${body}$`, { dotAll: true });
}

export function compileProfile(profile: OpcuaProfile): CompiledProfile {
  const rules = profile.nodes.map((rule, index) => ({
    rule,
    index,
    namespaceUri: rule.namespaceUri ?? profile.namespaceUri,
    pattern: globToRegExp(rule.node),
  }));
  return {
    profile,
    namespaceUris: new Set([profile.namespaceUri, ...rules.map((r) => r.namespaceUri)]),
    decide(node) {
      for (const r of rules) {
        if (r.namespaceUri === node.namespaceUri && r.pattern.test(node.identifier))
          return { kind: 'allow', rule: r.rule, ruleIndex: r.index };
      }
      return { kind: 'deny', reason: 'no rule of the profile names this node' };
    },
  };
}

/** What an access level lets the operator do; `browse` < `read` < `write`, `call` for methods. */
export function canRead(rule: OpcuaNodeRule): boolean {
  return rule.access === 'read' || rule.access === 'write';
}
