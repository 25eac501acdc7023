/**
 * What an OPC UA session asks while its profile learns (docs/policy.md). A session that starts
 * while the learn window of its profile is open gets a view built from the profile's learn ceiling;
 * until the window ends (checked on every read, write and call) the ceiling decides and each
 * operation it allows is recorded: reads once per node and session, every write with its value,
 * every call with its arguments. After the window the profile's own rules decide, on the same view.
 *
 * Guarantees: a profile without a learn ceiling never learns (the CLI refuses to switch it; this is
 * the broker's own check); fails closed: when the window cannot be read the profile enforces, and
 * when an operation cannot be recorded the profile decides it. Not guaranteed: nodes only the
 * ceiling shows stay visible in Browse after the window ends (their values are refused).
 */
import { describeError } from '../../../../shared/src/errors.js';
import type { BrokerSession, ProfileLearning } from '../../sessions/sessions.js';
import type { OpcuaOperation } from './opcua-learning.js';
import { compileCeiling } from './opcua-learning.js';
import type { MirroredNode } from './opcua-mirror.js';
import {
  compileProfile,
  type CompiledProfile,
  type OpcuaNodeRule,
  type OpcuaProfile,
} from './opcua-policy.js';

export interface OpcuaLearnHook {
  /** The rule deciding `node` now: the view's (the ceiling's) while learning, the profile's after. */
  ruleFor(node: MirroredNode): { rule: OpcuaNodeRule | undefined; isLearning: boolean };
  /** The profile's own rule for `node` (as the view would have it), for an unrecorded operation. */
  profileRule(node: MirroredNode): OpcuaNodeRule | undefined;
  /** Records an operation the ceiling allowed; false when it could not be recorded. */
  record(op: OpcuaOperation): boolean;
}

/** A write rule for another type than the plant variable's is a read rule (as the mirror does it). */
function asViewed(rule: OpcuaNodeRule | undefined, node: MirroredNode): OpcuaNodeRule | undefined {
  if (rule?.access !== 'write' || rule.dataType === node.dataType) return rule;
  return {
    access: 'read',
    node: rule.node,
    ...(rule.namespaceUri === undefined ? {} : { namespaceUri: rule.namespaceUri }),
  };
}

/** The view to build and the hook, when the session learns; undefined when it enforces. */
export function createOpcuaLearnHook(
  session: BrokerSession,
  profile: OpcuaProfile,
  learning: ProfileLearning | undefined,
): { readonly view: CompiledProfile; readonly hook: OpcuaLearnHook } | undefined {
  const ceiling = compileCeiling(profile);
  if (learning === undefined || ceiling === undefined) return undefined;
  let until: number | undefined;
  try {
    until = learning.learningUntil(session.assetName, session.profileName);
  } catch (e) {
    session.log.error('learn window unreadable; the profile enforces', { err: describeError(e) });
  }
  if (until === undefined || session.clock.now() >= until) return undefined;
  const end = until;
  const enforced = compileProfile(profile);
  const profileRule = (node: MirroredNode): OpcuaNodeRule | undefined => {
    const d = enforced.decide(node.ref);
    return asViewed(d.kind === 'allow' ? d.rule : undefined, node);
  };
  return {
    view: ceiling,
    hook: {
      ruleFor(node) {
        return session.clock.now() < end
          ? { rule: node.rule, isLearning: true }
          : { rule: profileRule(node), isLearning: false };
      },
      profileRule,
      record(op) {
        try {
          learning.record(session, op);
          return true;
        } catch (e) {
          // Nothing goes beyond the profile unrecorded: the profile decides this operation.
          session.log.error('learned operation not recorded', { err: describeError(e) });
          return false;
        }
      },
    },
  };
}
