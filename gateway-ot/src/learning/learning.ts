/**
 * The learning subsystem: the OT owner's learn, review, enforce loop for access profiles
 * (docs/policy.md). `learn` opens a time-bounded learn window on one profile; the brokers ask
 * `learningUntil` when a session starts and `record` each operation the learn ceiling allowed;
 * `propose` builds the least-privilege profile from what was learned, with its diff against the
 * current profile and the replay of the recorded traffic; `apply` writes it into the policy file
 * and ends the window (enforce).
 *
 * Guarantees: a profile learns only when the policy gives it a learn ceiling (never beyond it: the
 * broker decides by the ceiling) and for at most MAX_LEARN_DAYS; opening a window, proposing and
 * applying are each audited in the same transaction as their change (`policy.learn` is flagged as
 * an alert for the site's OT owners; `policy.apply` carries the new policy file's SHA-256); a
 * proposal applies only to the policy file it was made from (unchanged hash). What a profile,
 * an operation and a proposal are is each protocol's (protocol-learning.ts; Modbus and OPC UA).
 * Not here: reloading the running gateway (it follows the file by itself: policy/live-policy.ts).
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import { formatProblems } from '../../../shared/src/result.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { LocalPolicy } from '../policy/policy.js';
import type { ProfileLearning } from '../sessions/sessions.js';
import type { LearningStore } from '../store/store.js';
import { modbusLearning } from './modbus-learning.js';
import { opcuaLearning } from './opcua-learning.js';
import { renderProfile, replacePolicyFile, type CheckPolicy } from './policy-file.js';
import { profileDiff } from './profile-diff.js';
import type { LearnableProfile, LearningProtocol, ProtocolProposal } from './protocol-learning.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export type { ReplayRefusal, ReplayResult } from './protocol-learning.js';
export type { CheckPolicy } from './policy-file.js';

/** The protocols whose profiles can learn, one line each. */
const LEARNING_PROTOCOLS: readonly LearningProtocol[] = [modbusLearning, opcuaLearning];

/** The longest learn window: learning is an exception to least privilege, not a way of running. */
export const MAX_LEARN_DAYS = 7;
const DAY_MS = 86_400_000;

export interface LearningDeps {
  readonly store: LearningStore;
  readonly db: Db;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly site: string;
  readonly policy: LocalPolicy;
  readonly policyFile: string;
  /** The policy loader's check of a whole policy (a proposal is never written unless it passes). */
  readonly checkPolicy: CheckPolicy;
}

export interface ProposeInput {
  readonly asset: string;
  readonly profile: string;
  /** Percent added to each side of a learned value span. */
  readonly marginPercent: number;
  /** Only what these grants learned; empty or absent: everything learned for the profile. */
  readonly grants?: readonly string[];
  /** Replay the recorded traffic of this many days against the proposal. */
  readonly replayDays?: number;
  readonly actor: string;
}

/** `protocol` tells which profile `proposed` is (and which operations `replay` lists). */
export type Proposal = {
  readonly id: string;
  readonly asset: string;
  readonly profile: string;
  readonly diff: string;
} & ProtocolProposal;

export interface Learning extends ProfileLearning {
  learn(input: { asset: string; profile: string; until: number; actor: string }): {
    readonly until: number;
  };
  /** Ends an open learn window early (enforce); false when none was open. */
  stopLearning(input: { asset: string; profile: string; actor: string }): boolean;
  propose(input: ProposeInput): Proposal;
  apply(input: { proposalId: string; actor: string }): {
    readonly asset: string;
    readonly profile: string;
    readonly policySha256: string;
    readonly backup: string;
  };
}

export function createLearning(deps: LearningDeps): Learning {
  const { store, audit, clock, site } = deps;
  const learnable = (asset: string, profile: string): LearnableProfile => {
    const a = deps.policy.assets[asset];
    if (a === undefined)
      throw new AirlockError(
        'not_found',
        'learning.unknown_asset',
        `no asset ${asset} in the local policy`,
      );
    const bound = LEARNING_PROTOCOLS.map((l) => l.bind(a, profile)).find((b) => b !== undefined);
    if (bound === undefined)
      throw new AirlockError(
        'bad_request',
        'learning.unsupported_protocol',
        `asset ${asset} is ${a.protocol}: its profiles cannot learn`,
      );
    if (bound === 'no_profile')
      throw new AirlockError(
        'not_found',
        'learning.unknown_profile',
        `asset ${asset} has no profile ${profile}`,
      );
    return bound;
  };
  return {
    learningUntil: (asset, profile) => store.windowUntil(asset, profile, clock.now()),
    record(session, operation) {
      store.addOperation(session.assetName, session.profileName, {
        sessionId: session.ticket.sessionId,
        grantId: session.ticket.grantId,
        at: session.clock.now(),
        operation: JSON.stringify(operation),
      });
    },
    learn({ asset, profile, until, actor }) {
      const p = learnable(asset, profile);
      if (p.ceiling === undefined)
        throw new AirlockError(
          'bad_request',
          'learning.no_ceiling',
          `profile ${asset}/${profile} has no learnCeiling in the local policy: it cannot learn`,
        );
      const now = clock.now();
      if (until <= now || until > now + MAX_LEARN_DAYS * DAY_MS)
        throw new AirlockError(
          'bad_request',
          'learning.bad_until',
          `--until must be in the future and at most ${MAX_LEARN_DAYS} days ahead`,
        );
      writeTransaction(deps.db, () => {
        audit.append({
          action: 'policy.learn',
          actor,
          site,
          target: asset,
          outcome: 'success',
          details: {
            profile,
            until: new Date(until).toISOString(),
            ceiling: p.ceiling,
            alert: true,
            reason: 'learning.start',
            message: `profile ${asset}/${profile} learns until ${new Date(until).toISOString()}: requests within its ceiling are allowed and recorded`,
          },
        });
        store.setWindow(asset, profile, until, now, actor);
      })();
      return { until };
    },
    stopLearning({ asset, profile, actor }) {
      learnable(asset, profile);
      if (store.windowUntil(asset, profile, clock.now()) === undefined) return false;
      writeTransaction(deps.db, () => {
        audit.append({
          action: 'policy.learn_end',
          actor,
          site,
          target: asset,
          outcome: 'success',
          details: { profile, mode: 'enforce' },
        });
        store.clearWindow(asset, profile);
      })();
      return true;
    },
    propose(input) {
      const current = learnable(input.asset, input.profile);
      const grants = new Set(input.grants ?? []);
      const rows = store
        .operations(input.asset, input.profile, 0)
        .filter((r) => grants.size === 0 || grants.has(r.grantId));
      const now = clock.now();
      const since = input.replayDays === undefined ? undefined : now - input.replayDays * DAY_MS;
      const made = current.propose(rows, {
        marginPercent: input.marginPercent,
        replay:
          since === undefined
            ? undefined
            : {
                audit,
                asset: input.asset,
                since,
                learned: store.operations(input.asset, input.profile, since),
              },
      });
      if (made === undefined)
        throw new AirlockError(
          'conflict',
          'learning.nothing_learned',
          `nothing was learned for ${input.asset}/${input.profile}${grants.size > 0 ? ' by those grants' : ''}`,
        );
      const { proposed, replay: replayed } = made;
      const id = deps.ids.next('prp');
      const json = JSON.stringify(proposed);
      writeTransaction(deps.db, () => {
        audit.append({
          action: 'policy.propose',
          actor: input.actor,
          site,
          target: input.asset,
          outcome: 'success',
          details: {
            profile: input.profile,
            proposalId: id,
            operations: made.operations,
            marginPercent: input.marginPercent,
            grants: [...grants],
            profileSha256: sha256Hex(json),
            ...(replayed === undefined
              ? {}
              : {
                  replayDays: input.replayDays,
                  replayed: replayed.replayed,
                  wouldRefuse: replayed.refused.length,
                }),
          },
        });
        store.addProposal({
          id,
          asset: input.asset,
          profile: input.profile,
          createdAt: now,
          createdBy: input.actor,
          basePolicySha256: deps.policy.hash,
          proposal: json,
        });
      })();
      return {
        id,
        asset: input.asset,
        profile: input.profile,
        diff: profileDiff(current.current, proposed),
        ...made,
      };
    },
    apply({ proposalId, actor }) {
      const row = store.proposal(proposalId);
      if (row === undefined)
        throw new AirlockError(
          'not_found',
          'learning.unknown_proposal',
          `no proposal ${proposalId}`,
        );
      if (row.appliedAt !== null)
        throw new AirlockError(
          'conflict',
          'learning.already_applied',
          `proposal ${proposalId} was already applied`,
        );
      if (row.basePolicySha256 !== deps.policy.hash)
        throw new AirlockError(
          'conflict',
          'learning.policy_changed',
          `the policy file changed since proposal ${proposalId} was made: propose again`,
        );
      const rendered = renderProfile(
        deps.policyFile,
        row.asset,
        row.profile,
        JSON.parse(row.proposal) as unknown,
        deps.checkPolicy,
      );
      if (!rendered.ok)
        throw new AirlockError(
          'bad_request',
          'learning.invalid_result',
          `applying ${proposalId} would make the policy invalid; nothing was changed: ${formatProblems(rendered.error)}`,
        );
      const now = clock.now();
      let backup = '';
      // The audit event, the window's end and the file commit together: the file is replaced last,
      // inside the transaction, so a failed write rolls the event back.
      writeTransaction(deps.db, () => {
        audit.append({
          action: 'policy.apply',
          actor,
          site,
          target: row.asset,
          outcome: 'success',
          details: {
            profile: row.profile,
            proposalId,
            policySha256: rendered.value.sha256,
            previousPolicySha256: deps.policy.hash,
            profileSha256: sha256Hex(row.proposal),
            mode: 'enforce',
          },
        });
        store.clearWindow(row.asset, row.profile);
        store.markApplied(proposalId, now);
        backup = replacePolicyFile(deps.policyFile, rendered.value.text, now);
      })();
      return {
        asset: row.asset,
        profile: row.profile,
        policySha256: rendered.value.sha256,
        backup,
      };
    },
  };
}
