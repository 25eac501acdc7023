/**
 * `airlock-ot firewall render|apply`: the host firewall from the local policy, without the gateway.
 * `render` prints the ruleset (anyone may run it: it changes nothing); `apply` loads it as one nft
 * transaction and writes it to the configured ruleset file, for the boot-time hook and for the
 * gateway's check at start. `apply` needs CAP_NET_ADMIN: on the appliance a root-owned unit runs it
 * whenever the policy file changes (image/systemd/airlock-ot-firewall.path), so the gateway itself
 * never needs that capability.
 */
import { UsageError, type CliCommand } from '../../../shared/src/cli/run-cli.js';
import { parseCommand } from '../../../shared/src/cli/parse-args.js';
import { formatProblems } from '../../../shared/src/result.js';
import type { OtConfig } from '../config/config.js';
import {
  createFirewall,
  FIREWALL_TABLE,
  type Firewall,
  type Ruleset,
} from '../firewall/firewall.js';
import type { PolicyLoader } from '../policy/policy.js';

export interface FirewallCommandDeps {
  readonly program: string;
  readonly configFrom: (file: string | undefined) => OtConfig;
  readonly policies: PolicyLoader;
}

export function createFirewallCommands(deps: FirewallCommandDeps): Record<string, CliCommand> {
  const { program } = deps;
  const usage = `usage: ${program} firewall render --config <file>
       ${program} firewall apply --config <file> [--json]

render  prints the nftables ruleset the local policy gives (table inet airlock_ot): the service user
        may connect only to the IT gateway, to each asset's address and port, and to the discovery
        probe scope's subnets on its ports; everything else is dropped and counted. Changes nothing. Its SHA-256 goes to stderr.
apply   renders, loads it with nft -f (one transaction replacing only that table; on any error the
        rules already loaded stay) and writes it to firewall.rulesetFile. Needs CAP_NET_ADMIN.
Both need a "firewall" section in the config, and refuse a policy address a rule cannot name safely
(a hostname with several addresses, loopback, multicast, outside firewall.plantSubnets), and
a probe scope subnet with the same faults.`;

  const rulesetOf = async (argv: readonly string[]) => {
    const a = parseCommand(argv, { config: { type: 'string' }, json: { type: 'boolean' } });
    if (!a.ok) throw new UsageError(a.error);
    const config = deps.configFrom(a.value.values.config);
    if (config.firewall === undefined)
      throw new UsageError(`${a.value.values.config ?? ''} has no "firewall" section`);
    const p = deps.policies.load(config.policyFile);
    if (!p.ok)
      throw new UsageError(
        `invalid local policy ${config.policyFile}:\n${p.error.map((x) => `  - ${formatProblems([x])}`).join('\n')}`,
      );
    const firewall = createFirewall({ config: config.firewall, policyFile: config.policyFile });
    const r = await firewall.render(p.value);
    if (!r.ok)
      throw new UsageError(
        `the firewall cannot be derived from ${config.policyFile}; nothing was changed:\n${r.error.map((x) => `  - ${formatProblems([x])}`).join('\n')}`,
      );
    return { firewall, ruleset: r.value, json: a.value.values.json === true };
  };
  const apply = async (firewall: Firewall, ruleset: Ruleset, json: boolean): Promise<number> => {
    await firewall.load(ruleset);
    firewall.writeFile(ruleset);
    const out = {
      loaded: `inet ${FIREWALL_TABLE}`,
      sha256: ruleset.sha256,
      file: firewall.config.rulesetFile,
      allowed: ruleset.destinations.map((d) => `${d.label} ${d.address}:${d.port}`),
    };
    process.stdout.write(
      json
        ? `${JSON.stringify(out)}\n`
        : `loaded table ${out.loaded} (SHA-256 ${out.sha256}), written to ${out.file}\n${out.allowed.map((l) => `  allows ${l}`).join('\n')}\n`,
    );
    return 0;
  };
  return {
    firewall: {
      summary: 'render or load the host firewall the local policy gives (render | apply)',
      usage,
      async run(argv) {
        const [sub, ...rest] = argv;
        if (sub === 'render') {
          const { ruleset } = await rulesetOf(rest);
          process.stdout.write(ruleset.text);
          process.stderr.write(`sha256 ${ruleset.sha256}\n`);
          return 0;
        }
        if (sub === 'apply') {
          const { firewall, ruleset, json } = await rulesetOf(rest);
          return apply(firewall, ruleset, json);
        }
        throw new UsageError(`expected render or apply\n\n${usage}`);
      },
    },
  };
}
