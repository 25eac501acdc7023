/**
 * OPC UA in the learning service (protocol-learning.ts). Proposals come from protocols/opcua
 * (proposeOpcuaProfile); the replay reads what the gateway already keeps: every forwarded Write and
 * Call is an `opcua.write` / `opcua.call` event (phase `forward`) in the site's audit chain with the
 * node and the value or arguments, whatever the profile or grant; reads are not audited, so the
 * reads of learning sessions (learned_operations) are replayed beside them. Each is decided by the
 * broker's own rule matching and value check.
 *
 * Not guaranteed: reads of sessions that did not learn are not replayed; a String written longer
 * than 256 characters is audited shortened, so its replay is refused by an enumerated rule.
 */
import { z } from 'zod';
import {
  createOpcuaReplay,
  describeOpcuaOperation,
  isOpcuaAsset,
  opcuaOperationSchema,
  parseNodeText,
  proposeOpcuaProfile,
  type OpcuaOperation,
  type OpcuaProfile,
} from '../protocols/opcua/opcua.js';
import type { LearnedOperationRow } from '../store/store.js';
import {
  bindProfile,
  rowJson,
  type LearningProtocol,
  type ReplayInput,
  type ReplayRefusal,
  type ReplayResult,
} from './protocol-learning.js';

const forwardSchema = z.object({
  phase: z.literal('forward'),
  node: z.string(),
  sessionId: z.string().default(''),
});
const writeEventSchema = forwardSchema.extend({
  dataType: z.string(),
  newValue: z.union([z.number(), z.boolean(), z.string(), z.null()]),
});
const callEventSchema = forwardSchema.extend({ arguments: z.array(z.unknown()).default([]) });

export function parseLearned(row: LearnedOperationRow): OpcuaOperation | undefined {
  const r = opcuaOperationSchema.safeParse(rowJson(row));
  return r.success ? r.data : undefined;
}

/** A forwarded write or call of the audit chain as an operation; undefined for any other event. */
function auditedOperation(
  action: string,
  details: unknown,
): { operation: OpcuaOperation; sessionId: string } | undefined {
  if (action === 'opcua.write') {
    const w = writeEventSchema.safeParse(details);
    const ref = w.success ? parseNodeText(w.data.node) : undefined;
    if (!w.success || ref === undefined) return undefined;
    const { namespaceUri, identifier } = ref;
    return {
      sessionId: w.data.sessionId,
      operation: {
        service: 'write',
        namespaceUri,
        node: identifier,
        dataType: w.data.dataType,
        value: w.data.newValue,
      },
    };
  }
  if (action === 'opcua.call') {
    const c = callEventSchema.safeParse(details);
    const ref = c.success ? parseNodeText(c.data.node) : undefined;
    if (!c.success || ref === undefined) return undefined;
    return {
      sessionId: c.data.sessionId,
      operation: {
        service: 'call',
        namespaceUri: ref.namespaceUri,
        node: ref.identifier,
        arguments: c.data.arguments,
      },
    };
  }
  return undefined;
}

export function replay(
  input: ReplayInput & { readonly profile: OpcuaProfile },
): ReplayResult<OpcuaOperation> {
  const decide = createOpcuaReplay(input.profile);
  const refused: ReplayRefusal<OpcuaOperation>[] = [];
  let replayed = 0;
  const check = (r: Omit<ReplayRefusal<OpcuaOperation>, 'rule' | 'reason' | 'summary'>): void => {
    replayed++;
    const d = decide(r.operation);
    if (!d.allow)
      refused.push({
        ...r,
        summary: describeOpcuaOperation(r.operation),
        rule: d.rule,
        reason: d.reason,
      });
  };
  for (const e of input.audit.iterate({ fromTime: input.since })) {
    if (e.outcome !== 'success' || e.target !== input.asset) continue;
    const op = auditedOperation(e.action, e.details);
    if (op !== undefined) check({ at: e.time, source: 'audit', seq: e.seq, ...op });
  }
  for (const row of input.learned) {
    const op = parseLearned(row);
    // Learned writes and calls are in the audit chain already (their `forward` events).
    if (op?.service !== 'read') continue;
    check({ at: row.at, source: 'learned', sessionId: row.sessionId, operation: op });
  }
  return { since: input.since, replayed, refused };
}

export const opcuaLearning: LearningProtocol = {
  protocol: 'opcua',
  bind: bindProfile(isOpcuaAsset, {
    parse: parseLearned,
    propose: (current: OpcuaProfile, ops, marginPercent) =>
      proposeOpcuaProfile(current, ops, { marginPercent }),
    replay,
    proposal: (proposed, operations, replayed) => ({
      protocol: 'opcua',
      operations,
      proposed,
      replay: replayed,
    }),
  }),
};
