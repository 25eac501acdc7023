/**
 * The discovery subsystem: probes the plant subnets and ports the OT owner's local policy lists
 * (`discovery` scope) for SSH, Modbus TCP and OPC UA services, stores what answered as proposals,
 * and onboards a proposal into the local policy with its host key or certificate pinned.
 *
 * Guarantees: nothing is probed without a scope, or outside it (refused, audited, naming what is
 * missing); probes start no faster than the scope's rate and never more at once than its
 * concurrency; the run's exact plan is audited before the first probe, every answer after it, and
 * the counts of every outcome at its end; no probe authenticates or writes (SSH stops after the
 * host key, Modbus reads one register, OPC UA asks GetEndpoints without a session); a service that
 * answers garbage is stored as garbage with what it sent and can never be onboarded. Onboarding
 * writes the policy file atomically after the gateway's own parser accepted the whole new file.
 *
 * Not here: the probes themselves (each protocol module owns its library and hands its probe in
 * through the composition root), publishing to the IT side (link/, through the composition root),
 * and reloading the policy (policy/live-policy.ts: a running gateway follows the file it writes).
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type {
  DiscoveryProtocol,
  ProtocolProbe,
  PublishedProposal,
} from '../../../shared/src/model/discovery.js';
import type { DiscoveryScope, PolicyLoader } from '../policy/policy.js';
import type { DiscoveryStore } from '../store/store.js';
import { runDiscovery, type RunSummary } from './discovery-run.js';
import { onboardProposal, type OnboardInput, type OnboardResult } from './onboard.js';
import type { Narrowing } from './probe-plan.js';

export { planProbes, type Narrowing, type Plan, type PlannedProbe } from './probe-plan.js';
export { runBounded } from './bounded-runner.js';
export type { RunSummary } from './discovery-run.js';
export type { OnboardInput, OnboardResult } from './onboard.js';

export interface DiscoveryDeps {
  readonly scope: DiscoveryScope | undefined;
  readonly probes: Readonly<Record<DiscoveryProtocol, ProtocolProbe>>;
  readonly store: DiscoveryStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly site: string;
  readonly policyFile: string;
  readonly policies: PolicyLoader;
}

export interface Discovery {
  /** Throws `discovery.no_scope` / `discovery.out_of_scope` (access_denied, audited) before any probe. */
  run(actor: string, narrow?: Narrowing): Promise<RunSummary>;
  /** Newest first. */
  list(limit?: number): PublishedProposal[];
  onboard(input: OnboardInput): OnboardResult;
}

export function createDiscovery(deps: DiscoveryDeps): Discovery {
  return {
    run: (actor, narrow) => runDiscovery(deps, actor, narrow),
    list: (limit = 500) => deps.store.list(limit).map(({ runId: _runId, ...p }) => p),
    onboard: (input) => onboardProposal(deps, input),
  };
}
