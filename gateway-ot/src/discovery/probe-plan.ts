/**
 * The probes a run will make: every host of every scope subnet times every scope port, each port
 * with the protocol the scope names for it. An operator may narrow a run (`--subnet`, `--port`);
 * a narrowing that reaches outside the scope is refused whole, naming what is outside, and nothing
 * is probed. Deterministic: the same scope and narrowing give the same list in the same order, so
 * the `discovery.start` event's plan says exactly which probes the run made.
 */
import type { DiscoveryProtocol, ProbeTarget } from '../../../shared/src/model/discovery.js';
import { err, ok, type Result } from '../../../shared/src/result.js';
import { hostsOf, isCidrWithin, parseCidr, type DiscoveryScope } from '../policy/policy.js';

export interface PlannedProbe extends ProbeTarget {
  readonly protocol: DiscoveryProtocol;
}

export interface Narrowing {
  /** IPv4 CIDRs (or single addresses) inside the scope's subnets. */
  readonly subnets?: readonly string[];
  readonly ports?: readonly number[];
}

export interface Plan {
  readonly subnets: readonly string[];
  readonly ports: Readonly<Record<DiscoveryProtocol, readonly number[]>>;
  readonly probes: readonly PlannedProbe[];
}

export function planProbes(scope: DiscoveryScope, narrow: Narrowing = {}): Result<Plan, string> {
  const scopeNets = scope.subnets.map((s) => parseCidr(s)).filter((c) => c !== undefined);
  const wanted = narrow.subnets ?? scope.subnets;
  const nets = [];
  const outside: string[] = [];
  for (const w of wanted) {
    const c = parseCidr(w.includes('/') ? w : `${w}/32`);
    if (c === undefined) return err(`${w} is not an IPv4 address or CIDR`);
    if (!scopeNets.some((s) => isCidrWithin(c, s))) outside.push(w);
    else nets.push(c);
  }
  const allPorts = [...scope.ports.ssh, ...scope.ports.modbus, ...scope.ports.opcua];
  for (const p of narrow.ports ?? []) if (!allPorts.includes(p)) outside.push(`port ${p}`);
  if (outside.length > 0)
    return err(`outside the probe scope of the local policy: ${outside.join(', ')}`);
  const keep = (l: readonly number[]) => l.filter((p) => narrow.ports?.includes(p) ?? true);
  const ports = {
    ssh: keep(scope.ports.ssh),
    modbus: keep(scope.ports.modbus),
    opcua: keep(scope.ports.opcua),
  };
  const probes: PlannedProbe[] = [];
  const seen = new Set<string>();
  for (const c of nets)
    for (const address of hostsOf(c))
      for (const protocol of ['ssh', 'modbus', 'opcua'] as const)
        for (const port of ports[protocol]) {
          const key = `${address}:${port}`;
          if (seen.has(key)) continue;
          seen.add(key);
          probes.push({ address, port, protocol });
        }
  return ok({ subnets: nets.map((c) => c.text), ports, probes });
}
