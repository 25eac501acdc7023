/**
 * OPC UA in the learn, review, enforce loop (docs/policy.md): what one operation looks like when it
 * is learned or replayed, the least-privilege profile proposed from many of them, the replay
 * decision of one operation against a profile, and what a session asks while its profile learns.
 *
 * Guarantees: a proposal names exactly the nodes that were read, written or called (one rule per
 * node, no wildcard of its own), written numeric values bounded by the learned span widened by the
 * margin and never beyond the learn ceiling's bounds or the type's range, Boolean and String writes
 * enumerated (at most 64 values, else String writes keep only a length bound); it keeps the current
 * profile's namespace, limits and ceiling. A replay is decided by the same rule matching and value
 * check the broker enforces with. Not guaranteed: a node identifier that itself contains `*` is a
 * wildcard in the proposed rule (rules have no escape for it); the owner sees it in the diff.
 */
import { z } from 'zod';
import { OPCUA_INTEGER_RANGES } from '../../../../shared/src/model/opcua-scalars.js';
import {
  NUMERIC_DATA_TYPES,
  WRITABLE_DATA_TYPES,
  canRead,
  compileProfile,
  type CompiledProfile,
  type NodeRef,
  type OpcuaNodeRule,
  type OpcuaProfile,
  type WritableDataType,
} from './opcua-policy.js';
import { checkWriteValue } from './opcua-write-check.js';

const scalar = z.union([z.number(), z.boolean(), z.string(), z.null()]);

/** One learned or recorded OPC UA operation, as stored (JSON): values as the audit holds them. */
export const opcuaOperationSchema = z.discriminatedUnion('service', [
  z.strictObject({ service: z.literal('read'), namespaceUri: z.string(), node: z.string() }),
  z.strictObject({
    service: z.literal('write'),
    namespaceUri: z.string(),
    node: z.string(),
    dataType: z.string(),
    value: scalar,
  }),
  z.strictObject({
    service: z.literal('call'),
    namespaceUri: z.string(),
    node: z.string(),
    arguments: z.array(z.unknown()).max(64).default([]),
  }),
]);
export type OpcuaOperation = z.output<typeof opcuaOperationSchema>;

export type OpcuaReplayDecision =
  | { readonly allow: true }
  | { readonly allow: false; readonly rule: 'node' | 'access' | 'value'; readonly reason: string };

/** The profile's decision on one operation, as the broker would take it (built once per profile). */
export function createOpcuaReplay(
  profile: OpcuaProfile,
): (op: OpcuaOperation) => OpcuaReplayDecision {
  const compiled = compileProfile(profile);
  return (op) => {
    const d = compiled.decide({ namespaceUri: op.namespaceUri, identifier: op.node });
    if (d.kind === 'deny') return { allow: false, rule: 'node', reason: d.reason };
    const rule = d.rule;
    switch (op.service) {
      case 'read':
        return canRead(rule)
          ? { allow: true }
          : { allow: false, rule: 'access', reason: `the rule allows ${rule.access}, not read` };
      case 'call':
        return rule.access === 'call'
          ? { allow: true }
          : { allow: false, rule: 'access', reason: `the rule allows ${rule.access}, not call` };
      case 'write': {
        if (rule.access !== 'write')
          return {
            allow: false,
            rule: 'access',
            reason: `the rule allows ${rule.access}, not write`,
          };
        const c = checkWriteValue(rule, { dataType: op.dataType, isScalar: true, value: op.value });
        return c.kind === 'allow'
          ? { allow: true }
          : { allow: false, rule: 'value', reason: c.reason };
      }
      default: {
        const never: never = op;
        return never;
      }
    }
  };
}

/** The ceiling's rules compiled as a profile of their own (same namespace default). */
export function compileCeiling(profile: OpcuaProfile): CompiledProfile | undefined {
  const ceiling = profile.learnCeiling;
  return ceiling === undefined ? undefined : compileProfile({ ...profile, nodes: ceiling.nodes });
}

export interface OpcuaProposeOptions {
  /** Percent of the learned value span (or of the value, when all writes were equal) added each side. */
  readonly marginPercent: number;
}

const MAX_ENUMERATED = 64;

function isWritableType(t: string): t is WritableDataType {
  return (WRITABLE_DATA_TYPES as readonly string[]).includes(t);
}

function numericBounds(
  dataType: WritableDataType,
  values: readonly number[],
  marginPercent: number,
  ceiling: OpcuaNodeRule | undefined,
): { min: number; max: number } {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const base = hi > lo ? hi - lo : Math.max(Math.abs(hi), 1);
  const margin = (base * marginPercent) / 100;
  let min = lo - margin;
  let max = hi + margin;
  const range = OPCUA_INTEGER_RANGES[dataType];
  if (range !== undefined) {
    min = Math.max(range[0], Math.floor(min));
    max = Math.min(range[1], Math.ceil(max));
  }
  // Learning may never widen beyond its ceiling: the learned values were inside it, so is the span.
  if (ceiling?.access === 'write' && ceiling.min !== undefined && ceiling.max !== undefined) {
    min = Math.max(min, ceiling.min);
    max = Math.min(max, ceiling.max);
  }
  return { min, max };
}

function writeRule(
  base: { node: string; namespaceUri?: string },
  writes: readonly Extract<OpcuaOperation, { service: 'write' }>[],
  marginPercent: number,
  ceiling: OpcuaNodeRule | undefined,
): OpcuaNodeRule {
  // The broker allowed each write only as the ceiling rule's exact type: one type per node.
  const dataType = writes[0]?.dataType ?? '';
  if (!isWritableType(dataType)) return { ...base, access: 'read' };
  const values = writes.map((w) => w.value);
  if (NUMERIC_DATA_TYPES.has(dataType)) {
    const numbers = values.filter((v): v is number => typeof v === 'number');
    return {
      ...base,
      access: 'write',
      dataType,
      ...numericBounds(dataType, numbers, marginPercent, ceiling),
    };
  }
  if (dataType === 'Boolean') {
    const seen = [...new Set(values.filter((v): v is boolean => typeof v === 'boolean'))].sort();
    return { ...base, access: 'write', dataType, values: seen };
  }
  const strings = [...new Set(values.filter((v): v is string => typeof v === 'string'))].sort();
  const maxLength = Math.max(0, ...strings.map((s) => s.length));
  return {
    ...base,
    access: 'write',
    dataType,
    maxLength,
    ...(strings.length > 0 && strings.length <= MAX_ENUMERATED ? { values: strings } : {}),
  };
}

/** The least-privilege profile for what `ops` did, beside `current` (whose other settings it keeps). */
export function proposeOpcuaProfile(
  current: OpcuaProfile,
  ops: readonly OpcuaOperation[],
  options: OpcuaProposeOptions,
): OpcuaProfile {
  const byNode = new Map<string, { ref: NodeRef; ops: OpcuaOperation[] }>();
  for (const op of ops) {
    const key = `${op.namespaceUri}\n${op.node}`;
    const entry = byNode.get(key) ?? {
      ref: { namespaceUri: op.namespaceUri, identifier: op.node },
      ops: [],
    };
    entry.ops.push(op);
    byNode.set(key, entry);
  }
  const ceiling = compileCeiling(current);
  const nodes = [...byNode.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { ref, ops: nodeOps }]): OpcuaNodeRule => {
      const base = {
        ...(ref.namespaceUri === current.namespaceUri ? {} : { namespaceUri: ref.namespaceUri }),
        node: ref.identifier,
      };
      const writes = nodeOps.filter(
        (o): o is Extract<OpcuaOperation, { service: 'write' }> => o.service === 'write',
      );
      if (writes.length > 0) {
        const c = ceiling?.decide(ref);
        return writeRule(
          base,
          writes,
          options.marginPercent,
          c?.kind === 'allow' ? c.rule : undefined,
        );
      }
      if (nodeOps.some((o) => o.service === 'call')) return { ...base, access: 'call' };
      return { ...base, access: 'read' };
    });
  return {
    ...current,
    description: `proposed from ${ops.length} learned operation(s)`,
    nodes,
  };
}

/** One line for the owner's review: service, node, value or arguments. */
export function describeOpcuaOperation(op: OpcuaOperation): string {
  const node = `nsu=${op.namespaceUri};${op.node}`;
  switch (op.service) {
    case 'read':
      return `read ${node}`;
    case 'write':
      return `write ${node} = ${JSON.stringify(op.value)} (${op.dataType})`;
    case 'call':
      return `call ${node}(${op.arguments.map((a) => JSON.stringify(a)).join(', ')})`;
    default: {
      const never: never = op;
      return never;
    }
  }
}

/** `nsu=<uri>;<identifier>` as audit events name a node (opcua-operations.ts `nodeText`). */
export function parseNodeText(text: string): NodeRef | undefined {
  const m = /^nsu=(.*?);([isgb]=[\s\S]*)$/.exec(text);
  return m === null ? undefined : { namespaceUri: m[1] ?? '', identifier: m[2] ?? '' };
}
