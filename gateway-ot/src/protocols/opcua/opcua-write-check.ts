/**
 * The value check for a write the profile allows in principle: the operator's value must be a
 * scalar of exactly the rule's data type (no implicit conversion) and within its bounds. A decision
 * value, never an exception; the broker turns a deny into BadUserAccessDenied. A Boolean or String
 * rule with `values` allows only those values.
 *
 * Not guaranteed: that the plant accepts the value; the plant may still refuse it with its own
 * status, which the operator then gets.
 */
import { OPCUA_INTEGER_RANGES as INTEGER_RANGES } from '../../../../shared/src/model/opcua-scalars.js';
import { NUMERIC_DATA_TYPES, type OpcuaWriteRule } from './opcua-policy.js';

/** The operator's value as decoded from the Write request. */
export interface WriteValueFacts {
  /** The OPC UA built-in type name of the Variant (`Double`, `String`, ...). */
  readonly dataType: string;
  readonly isScalar: boolean;
  readonly value: unknown;
}

export type WriteCheck =
  { readonly kind: 'allow' } | { readonly kind: 'deny'; readonly reason: string };

export function checkWriteValue(rule: OpcuaWriteRule, facts: WriteValueFacts): WriteCheck {
  if (!facts.isScalar) return { kind: 'deny', reason: 'only scalar values may be written' };
  if (facts.dataType !== rule.dataType)
    return { kind: 'deny', reason: `expected ${rule.dataType}, got ${facts.dataType}` };
  const v = facts.value;
  if (rule.values !== undefined && !rule.values.some((allowed) => allowed === v))
    return { kind: 'deny', reason: 'not one of the values the rule lists' };
  if (rule.dataType === 'Boolean')
    return typeof v === 'boolean'
      ? { kind: 'allow' }
      : { kind: 'deny', reason: 'expected a boolean value' };
  if (rule.dataType === 'String') {
    if (typeof v !== 'string') return { kind: 'deny', reason: 'expected a string value' };
    const maxLength = rule.maxLength ?? 0;
    return v.length <= maxLength
      ? { kind: 'allow' }
      : { kind: 'deny', reason: `string longer than ${maxLength}` };
  }
  if (!NUMERIC_DATA_TYPES.has(rule.dataType) || typeof v !== 'number' || !Number.isFinite(v))
    return { kind: 'deny', reason: 'expected a finite number' };
  const range = INTEGER_RANGES[rule.dataType];
  if (range !== undefined && (!Number.isInteger(v) || v < range[0] || v > range[1]))
    return { kind: 'deny', reason: `not a valid ${rule.dataType}` };
  // The schema guarantees both bounds for numeric rules; a missing one still denies.
  if (rule.min === undefined || rule.max === undefined)
    return { kind: 'deny', reason: 'the rule has no bounds' };
  if (v < rule.min || v > rule.max)
    return { kind: 'deny', reason: `value ${v} outside ${rule.min}..${rule.max}` };
  return { kind: 'allow' };
}
