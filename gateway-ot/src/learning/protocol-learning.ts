/**
 * What the learning service asks of a protocol (one file per protocol beside this one, registered
 * in learning.ts): find a profile of the protocol, its learn ceiling, and from the rows learning
 * sessions recorded, the least-privilege proposal and its replay against the recorded traffic.
 * The service itself (windows, audit, proposals, apply) never looks inside a profile or an
 * operation.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { AssetPolicy } from '../policy/policy.js';
import type { ModbusOperation, ModbusProfile } from '../protocols/modbus/modbus.js';
import type { OpcuaOperation, OpcuaProfile } from '../protocols/opcua/opcua.js';
import type { LearnedOperationRow } from '../store/store.js';

export interface ReplayRefusal<Op = ModbusOperation | OpcuaOperation> {
  readonly at: number;
  /** `audit` (a forwarded write or call, with its event's seq) or `learned` (a learning session's read). */
  readonly source: 'audit' | 'learned';
  readonly seq?: number;
  readonly sessionId: string;
  readonly operation: Op;
  /** The operation in one line, for the owner's review. */
  readonly summary: string;
  readonly rule: string;
  readonly reason: string;
}

export interface ReplayResult<Op = ModbusOperation | OpcuaOperation> {
  readonly since: number;
  readonly replayed: number;
  readonly refused: readonly ReplayRefusal<Op>[];
}

/** The recorded traffic a replay reads: the site's audit chain and the learned rows since `since`. */
export interface ReplayInput {
  readonly audit: AuditLog;
  readonly asset: string;
  readonly since: number;
  readonly learned: readonly LearnedOperationRow[];
}

/** A proposal as the protocol made it (from `operations` learned ones), with its replay if asked. */
export type ProtocolProposal = { readonly operations: number } & (
  | {
      readonly protocol: 'modbus';
      readonly proposed: ModbusProfile;
      readonly replay: ReplayResult<ModbusOperation> | undefined;
    }
  | {
      readonly protocol: 'opcua';
      readonly proposed: OpcuaProfile;
      readonly replay: ReplayResult<OpcuaOperation> | undefined;
    }
);

export interface ProposeOptions {
  /** Percent added to each side of a learned value span. */
  readonly marginPercent: number;
  /** Replay the recorded traffic against the proposal; absent: no replay. */
  readonly replay: ReplayInput | undefined;
}

/** One profile of one protocol, as the learning service sees it. */
export interface LearnableProfile {
  /** The profile as the policy has it now (for the diff). */
  readonly current: unknown;
  /** Its learn ceiling; undefined: it cannot learn. */
  readonly ceiling: unknown;
  /** The proposal from `rows`; undefined when none of them is an operation. */
  propose(
    rows: readonly LearnedOperationRow[],
    options: ProposeOptions,
  ): ProtocolProposal | undefined;
}

export interface LearningProtocol {
  readonly protocol: 'modbus' | 'opcua';
  /** The named profile when `asset` is of this protocol; `no_profile` when it has none of that name. */
  bind(asset: AssetPolicy, profile: string): LearnableProfile | 'no_profile' | undefined;
}

/** What one protocol brings to `bindProfile`; `P` its profile, `Op` its learned operation. */
export interface ProfileLearningParts<P, Op> {
  /** A stored row parsed; undefined for a row that is not an operation of this protocol. */
  parse(row: LearnedOperationRow): Op | undefined;
  /** The least-privilege profile for `ops`, starting from `current`. */
  propose(current: P, ops: readonly Op[], marginPercent: number): P;
  /** Would the recorded traffic pass `profile`? Decided by the broker's own rules. */
  replay(input: ReplayInput & { readonly profile: P }): ReplayResult<Op>;
  /** The proposal tagged with the protocol (the only part that names it). */
  proposal(proposed: P, operations: number, replay: ReplayResult<Op> | undefined): ProtocolProposal;
}

/**
 * `LearningProtocol.bind` for a protocol whose assets carry named profiles with a learn ceiling:
 * not its asset, undefined; no profile of that name, `no_profile`; else the profile, whose
 * proposal is made from the rows that parse (none: no proposal) and replayed only when asked.
 */
export function bindProfile<
  A extends AssetPolicy,
  P extends { readonly learnCeiling?: unknown },
  Op,
>(
  isAsset: (asset: AssetPolicy) => asset is A & { readonly profiles: Readonly<Record<string, P>> },
  parts: ProfileLearningParts<P, Op>,
): LearningProtocol['bind'] {
  return (asset, name) => {
    if (!isAsset(asset)) return undefined;
    const current = asset.profiles[name];
    if (current === undefined) return 'no_profile';
    return {
      current,
      ceiling: current.learnCeiling,
      propose(rows, options) {
        const ops = rows.flatMap((r) => {
          const op = parts.parse(r);
          return op === undefined ? [] : [op];
        });
        if (ops.length === 0) return undefined;
        const proposed = parts.propose(current, ops, options.marginPercent);
        return parts.proposal(
          proposed,
          ops.length,
          options.replay === undefined
            ? undefined
            : parts.replay({ ...options.replay, profile: proposed }),
        );
      },
    };
  };
}

/** A stored row's JSON; undefined when it is not JSON. */
export function rowJson(row: LearnedOperationRow): unknown {
  try {
    return JSON.parse(row.operation) as unknown;
  } catch {
    return undefined;
  }
}
