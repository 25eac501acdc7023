/**
 * One discovery run: refuse without a scope or outside it (audited `discovery.deny`, nothing
 * probed); otherwise audit the exact plan (`discovery.start`) before the first probe, probe at the
 * scope's rate, store and audit every host:port that answered (`discovery.find`: a proposal, or
 * garbage with what was seen), and end with every probe counted by outcome (`discovery.finish`).
 * Silent ports (refused, timeout) are counted, not listed one by one: with the plan they are
 * exactly the probes that are not a `discovery.find`, so the audit is complete and stays readable.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type {
  DiscoveryProtocol,
  ProbeOutcome,
  ProtocolProbe,
  PublishedProposal,
} from '../../../shared/src/model/discovery.js';
import type { DiscoveryScope } from '../policy/policy.js';
import type { DiscoveryStore } from '../store/store.js';
import { runBounded } from './bounded-runner.js';
import { planProbes, type Narrowing } from './probe-plan.js';

export interface RunDeps {
  readonly scope: DiscoveryScope | undefined;
  readonly probes: Readonly<Record<DiscoveryProtocol, ProtocolProbe>>;
  readonly store: DiscoveryStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly site: string;
}

export interface RunSummary {
  readonly runId: string;
  readonly probed: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly proposals: readonly PublishedProposal[];
}

function outcomeKey(o: ProbeOutcome): string {
  return o.kind === 'silent' ? o.reason : o.kind;
}

export async function runDiscovery(
  deps: RunDeps,
  actor: string,
  narrow: Narrowing = {},
): Promise<RunSummary> {
  const { audit, site } = deps;
  const deny = (code: string, message: string): never => {
    audit.append({
      action: 'discovery.deny',
      actor,
      site,
      outcome: 'denied',
      details: { reason: message, ...narrow },
    });
    throw new AirlockError('access_denied', code, message);
  };
  if (deps.scope === undefined)
    return deny(
      'discovery.no_scope',
      'the local policy has no "discovery" section (subnets and ports the gateway may probe): nothing is probed',
    );
  const scope = deps.scope;
  const plan = planProbes(scope, narrow);
  if (!plan.ok) return deny('discovery.out_of_scope', plan.error);
  const runId = deps.ids.next('dsr');
  const details = {
    runId,
    subnets: plan.value.subnets,
    ports: plan.value.ports,
    probes: plan.value.probes.length,
    modbusUnitIds: scope.modbus.unitIds,
    modbusDeviceIdentification: scope.modbus.deviceIdentification,
    rate: scope.rate,
  };
  deps.store.atomically(() => {
    deps.store.startRun(runId, actor, deps.clock.now(), details);
    audit.append({ action: 'discovery.start', actor, site, outcome: 'success', details });
  });
  const options = {
    timeoutMs: scope.rate.timeoutMs,
    modbusUnitIds: scope.modbus.unitIds,
    modbusDeviceIdentification: scope.modbus.deviceIdentification,
  };
  const counts: Record<string, number> = {};
  const proposals: PublishedProposal[] = [];
  await runBounded(
    plan.value.probes,
    { perSecond: scope.rate.probesPerSecond, concurrency: scope.rate.concurrency },
    deps.clock,
    async (p) => {
      const o = await deps.probes[p.protocol]({ address: p.address, port: p.port }, options);
      const key = outcomeKey(o);
      counts[key] = (counts[key] ?? 0) + 1;
      if (o.kind === 'silent') return;
      const id = deps.ids.next('dsp');
      const at = deps.clock.now();
      const base = {
        id,
        runId,
        protocol: p.protocol,
        address: p.address,
        port: p.port,
        foundAt: at,
      };
      const row = o.kind === 'found' ? { ...base, finding: o.finding } : { ...base, seen: o.seen };
      deps.store.atomically(() => {
        deps.store.addProposal(row);
        audit.append({
          action: 'discovery.find',
          actor,
          site,
          target: `${p.address}:${p.port}`,
          outcome: o.kind === 'found' ? 'success' : 'failure',
          details:
            o.kind === 'found'
              ? { runId, proposal: id, ...o.finding }
              : { runId, proposal: id, protocol: p.protocol, garbage: o.reason, seen: o.seen },
        });
      });
      proposals.push({ ...row, state: o.kind === 'found' ? 'proposed' : 'garbage' });
    },
  );
  deps.store.atomically(() => {
    deps.store.finishRun(runId, deps.clock.now(), counts);
    audit.append({
      action: 'discovery.finish',
      actor,
      site,
      outcome: 'success',
      details: { runId, probed: plan.value.probes.length, counts },
    });
  });
  return { runId, probed: plan.value.probes.length, counts, proposals };
}
