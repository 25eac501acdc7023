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

/** A stored row's JSON; undefined when it is not JSON. */
export function rowJson(row: LearnedOperationRow): unknown {
  try {
    return JSON.parse(row.operation) as unknown;
  } catch {
    return undefined;
  }
}
