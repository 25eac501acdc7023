/**
 * What happens to an operator's Write or Call on a node of the session's view: the profile decides,
 * the value check decides, the action is audited before it is forwarded ("no audit, no action")
 * and again with the plant's answer, and every refusal answers BadUserAccessDenied and is audited
 * as `opcua.deny`. Nothing refused reaches the plant.
 *
 * Guarantees: a write reaches the plant only for a variable with a `write` rule, only its Value
 * attribute, whole (no index range), a scalar of the rule's type within its bounds; a call only for
 * a method with a `call` rule. The old value in the audit is read from the plant just before the
 * write. Not guaranteed: that nothing changes the value between that read and the write (OPC UA has
 * no compare-and-set), or that the plant applies the value; its status is passed back as it is.
 *
 * While the profile learns (opcua-learn-hook.ts) the learn hook names the rule that decides, and
 * each read (once per node), write and call the ceiling allows is recorded before it is forwarded;
 * a read refused after the window ends is audited once per node.
 */
import {
  AttributeIds,
  StatusCodes,
  type CallMethodResultOptions,
  type StatusCode,
  type Variant,
  type WriteValue,
} from 'node-opcua';
import type { BrokerAuditInput } from '../../sessions/sessions.js';
import type { OpcuaLearnHook } from './opcua-learn-hook.js';
import { canRead, type OpcuaNodeRule } from './opcua-policy.js';
import type { MirroredNode, MirrorHooks } from './opcua-mirror.js';
import { variantFacts } from './opcua-mirror.js';
import type { PlantConnection } from './opcua-plant-client.js';
import { checkWriteValue } from './opcua-write-check.js';

export interface OperationContext {
  readonly assetName: string;
  readonly plant: PlantConnection;
  audit(event: BrokerAuditInput): void;
  /** The result event could not be recorded after the plant acted: the session must end. */
  onAuditFailure(error: unknown): void;
  /** Set while the session's profile learns; undefined: the view's rules decide. */
  readonly learn?: OpcuaLearnHook | undefined;
}

/** A node as audit events and logs name it: namespace URI and identifier, never an index. */
export function nodeText(node: MirroredNode): string {
  return `nsu=${node.ref.namespaceUri};${node.ref.identifier}`;
}

/** A value in a form the audit log can hold (JSON), bounded, never raw bytes. */
export function auditValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > 256 ? `${value.slice(0, 256)}…` : value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `[${value.length} bytes]`;
  if (Array.isArray(value)) return value.slice(0, 32).map(auditValue);
  return String(value).slice(0, 256);
}

export function createOperationHooks(ctx: OperationContext): MirrorHooks {
  const learn = ctx.learn;
  const ruleOf = (node: MirroredNode): { rule: OpcuaNodeRule | undefined; isLearning: boolean } =>
    learn === undefined ? { rule: node.rule, isLearning: false } : learn.ruleFor(node);
  const readsRecorded = new Set<string>();
  const readsDenied = new Set<string>();
  const deny = (
    service: 'Read' | 'Write' | 'Call',
    node: MirroredNode,
    reason: string,
    extra: Record<string, unknown> = {},
  ): StatusCode => {
    try {
      ctx.audit({
        action: 'opcua.deny',
        target: ctx.assetName,
        outcome: 'denied',
        details: { service, node: nodeText(node), reason, status: 'BadUserAccessDenied', ...extra },
      });
    } catch {
      // The refusal stands whether or not it could be recorded.
    }
    return StatusCodes.BadUserAccessDenied;
  };

  const recordResult = (event: BrokerAuditInput): void => {
    try {
      ctx.audit(event);
    } catch (e) {
      ctx.onAuditFailure(e);
    }
  };

  return {
    read(node: MirroredNode): boolean {
      if (learn === undefined) return true;
      const key = nodeText(node);
      const { rule, isLearning } = learn.ruleFor(node);
      let isAllowed = rule !== undefined && canRead(rule);
      if (isAllowed && isLearning && !readsRecorded.has(key)) {
        const ref = { namespaceUri: node.ref.namespaceUri, node: node.ref.identifier };
        if (learn.record({ service: 'read', ...ref })) readsRecorded.add(key);
        else {
          const p = learn.profileRule(node);
          isAllowed = p !== undefined && canRead(p);
        }
      }
      if (!isAllowed && !readsDenied.has(key)) {
        readsDenied.add(key);
        deny('Read', node, 'the profile does not allow reading this node');
      }
      return isAllowed;
    },

    async write(node: MirroredNode, writeValue: WriteValue): Promise<StatusCode> {
      const { rule, isLearning } = ruleOf(node);
      if (writeValue.attributeId !== AttributeIds.Value)
        return deny('Write', node, 'only the Value attribute may be written', {
          attributeId: writeValue.attributeId,
        });
      if (writeValue.indexRange?.isDefined() === true)
        return deny('Write', node, 'index ranges may not be written');
      if (rule?.access !== 'write')
        return deny('Write', node, 'the profile does not allow writing this node');
      const variant = writeValue.value.value;
      const facts = variantFacts(variant);
      const check = checkWriteValue(rule, facts);
      if (check.kind === 'deny')
        return deny('Write', node, check.reason, {
          newValue: auditValue(facts.value),
          dataType: facts.dataType,
        });
      if (isLearning && learn !== undefined) {
        const value = facts.value;
        const isRecorded =
          (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') &&
          learn.record({
            service: 'write',
            namespaceUri: node.ref.namespaceUri,
            node: node.ref.identifier,
            dataType: facts.dataType,
            value,
          });
        const p = learn.profileRule(node);
        if (!isRecorded && (p?.access !== 'write' || checkWriteValue(p, facts).kind === 'deny'))
          return deny('Write', node, 'the learned write could not be recorded', {
            newValue: auditValue(facts.value),
          });
      }
      const old = await ctx.plant.session.read({
        nodeId: node.plantNodeId,
        attributeId: AttributeIds.Value,
      });
      const details = {
        node: nodeText(node),
        dataType: facts.dataType,
        oldValue: auditValue(old.value.value),
        newValue: auditValue(facts.value),
      };
      try {
        ctx.audit({
          action: 'opcua.write',
          target: ctx.assetName,
          outcome: 'success',
          details: { ...details, phase: 'forward' },
        });
      } catch {
        return StatusCodes.BadInternalError;
      }
      let status: StatusCode;
      try {
        status = await ctx.plant.session.write({
          nodeId: node.plantNodeId,
          attributeId: AttributeIds.Value,
          value: { value: variant },
        });
      } catch {
        status = StatusCodes.BadCommunicationError;
      }
      recordResult({
        action: 'opcua.write',
        target: ctx.assetName,
        outcome: status.isGood() ? 'success' : 'failure',
        details: { ...details, phase: 'result', status: status.name },
      });
      return status;
    },

    async call(
      node: MirroredNode,
      inputArguments: readonly Variant[],
    ): Promise<CallMethodResultOptions> {
      const args = inputArguments.map((a) => auditValue(a.value));
      const { rule, isLearning } = ruleOf(node);
      let isAllowed = rule?.access === 'call';
      if (isAllowed && isLearning && learn !== undefined) {
        const ref = { namespaceUri: node.ref.namespaceUri, node: node.ref.identifier };
        if (!learn.record({ service: 'call', ...ref, arguments: args }))
          isAllowed = learn.profileRule(node)?.access === 'call';
      }
      if (!isAllowed)
        return {
          statusCode: deny('Call', node, "the method is not on the profile's call list", {
            arguments: args,
          }),
        };
      const details = { node: nodeText(node), arguments: args };
      try {
        ctx.audit({
          action: 'opcua.call',
          target: ctx.assetName,
          outcome: 'success',
          details: { ...details, phase: 'forward' },
        });
      } catch {
        return { statusCode: StatusCodes.BadInternalError };
      }
      let result: CallMethodResultOptions;
      try {
        const r = await ctx.plant.session.call({
          objectId: node.plantParentId,
          methodId: node.plantNodeId,
          inputArguments: [...inputArguments],
        });
        result = {
          statusCode: r.statusCode,
          outputArguments: r.outputArguments ?? [],
          inputArgumentResults: r.inputArgumentResults ?? [],
        };
      } catch {
        result = { statusCode: StatusCodes.BadCommunicationError };
      }
      const status = result.statusCode ?? StatusCodes.Good;
      recordResult({
        action: 'opcua.call',
        target: ctx.assetName,
        outcome: status.isGood() ? 'success' : 'failure',
        details: {
          ...details,
          phase: 'result',
          status: status.name,
          outputArguments: (result.outputArguments ?? []).map((o) =>
            auditValue((o as { value?: unknown }).value),
          ),
        },
      });
      return result;
    },
  };
}
