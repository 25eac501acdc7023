/**
 * The firewall rules the discovery probe scope needs (docs/policy.md, "Discover"): the service
 * user may open connections to each scope subnet on the scope's ports, and nowhere else. A scope
 * subnet is held to the same bounds as an asset address: none of the special ranges (loopback,
 * multicast, link-local...), and inside the configured plant subnets when there are any.
 */
import type { Problem } from '../../../shared/src/result.js';
import { hostsOf, parseCidr, type DiscoveryScope } from '../policy/policy.js';
import { isInSubnets, refusedBecause, type Subnet } from './address-check.js';
import type { ProbeRule } from './ruleset.js';

export function probeRulesOf(
  scope: DiscoveryScope | undefined,
  plantSubnets: readonly Subnet[],
): { rules: ProbeRule[]; problems: Problem[] } {
  if (scope === undefined) return { rules: [], problems: [] };
  const ports = [...scope.ports.ssh, ...scope.ports.modbus, ...scope.ports.opcua].sort(
    (a, b) => a - b,
  );
  const rules: ProbeRule[] = [];
  const problems: Problem[] = [];
  scope.subnets.forEach((text, i) => {
    const c = parseCidr(text);
    if (c === undefined) return; // the policy parser refused it already
    const hosts = hostsOf(c);
    const ends = [hosts[0], hosts[hosts.length - 1]].filter((h) => h !== undefined);
    for (const address of ends) {
      const why = refusedBecause(address, 4);
      const outside = plantSubnets.length > 0 && !isInSubnets({ address, family: 4 }, plantSubnets);
      if (why !== undefined || outside) {
        problems.push({
          path: `discovery.subnets.${i}`,
          message: `${text} ${why !== undefined ? `holds ${why}` : 'is not inside the plant subnets'}; no probe rule may name it`,
        });
        return;
      }
    }
    rules.push({ subnet: text, ports });
  });
  return { rules, problems };
}
