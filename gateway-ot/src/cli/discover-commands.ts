/**
 * `airlock-ot discover [list | onboard]`: probe the plant within the local policy's probe scope,
 * list what was found, and onboard a proposal into the local policy (OT side only; the portal
 * shows results read-only). The refusals (no scope, outside it, garbage, name taken) print the
 * reason and exit non-zero; each is audited by the discovery subsystem.
 */
import { readFileSync } from 'node:fs';
import { UsageError, type CliCommand } from '../../../shared/src/cli/run-cli.js';
import { parseCommand } from '../../../shared/src/cli/parse-args.js';
import type { PublishedProposal } from '../../../shared/src/model/discovery.js';
import type { OtConfig } from '../config/config.js';
import type { Discovery } from '../discovery/discovery.js';

export interface DiscoverCommandDeps {
  readonly program: string;
  readonly configFrom: (file: string | undefined) => OtConfig;
  readonly openDiscovery: (
    config: OtConfig,
  ) => Promise<{ readonly discovery: Discovery; close(): void }>;
  readonly actor: string;
  /** What the running gateway did with the file this command wrote (cli/reload-note.ts). */
  readonly reloadNote: (config: OtConfig, policySha256: string, since: number) => Promise<string>;
}

function describe(p: PublishedProposal): string {
  const head = `${p.id}  ${p.state.padEnd(9)} ${p.protocol.padEnd(6)} ${p.address}:${p.port}`;
  if (p.finding === undefined) return `${head}  seen: ${p.seen ?? ''}`;
  const f = p.finding;
  const what =
    f.protocol === 'ssh'
      ? `${f.fingerprint}  ${f.banner}`
      : f.protocol === 'modbus'
        ? `unit ids ${f.unitIds.join(',')}${f.deviceIdentification ? ` ${JSON.stringify(f.deviceIdentification)}` : ''}`
        : `cert sha256 ${f.certificateSha256 ?? 'none'}  ${f.endpoints.map((e) => `${e.securityMode}/${e.securityPolicyUri.split('#')[1] ?? e.securityPolicyUri}`).join(' ')}`;
  return `${head}  ${what}${p.asset !== undefined ? `  (asset ${p.asset})` : ''}`;
}

function portsOf(values: readonly string[]): number[] {
  return values.map((v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 65535)
      throw new UsageError(`--port ${v} is not a TCP port`);
    return n;
  });
}

export function createDiscoverCommands(deps: DiscoverCommandDeps): Record<string, CliCommand> {
  const { program } = deps;
  const usage = `usage: ${program} discover --config <file> [--subnet <cidr>]... [--port <n>]... [--json]
       ${program} discover list --config <file> [--json]
       ${program} discover onboard <proposal-id> --config <file> --name <asset> [--username <account>]
              [--description <text>] [--profiles <file.json>] [--json]

discover  probes every host of the probe scope's subnets on its ports (the "discovery" section of the
          local policy: subnets of at most /22, ports by protocol, Modbus unit ids and whether FC 43/14
          may be sent, probes per second, concurrency, per-probe timeout). --subnet and --port narrow
          the run; anything outside the scope is refused and nothing is probed. Finds SSH servers
          (banner, host key), Modbus TCP devices (unit ids answering FC 3 of one register, FC 43/14
          where allowed), OPC UA servers (GetEndpoints: endpoints, security modes and policies,
          certificate SHA-256). No probe logs in or writes. A port that answers something else is
          stored as garbage with what it sent, and is never proposed. Every probe is audited
          (discovery.start with the exact plan, discovery.find per answer, discovery.finish with counts).
list      prints the stored proposals, newest first.
onboard   adds a proposal to the local policy as asset <name>, pinning its SSH host key or OPC UA
          certificate (the pins the brokers check); --username is required for SSH. --profiles is a
          JSON object of the asset's profiles as in the policy file; without it the asset gets one
          profile that allows nothing. The file is checked whole and written atomically; audited
          (asset.onboard). A running gateway reloads the file by itself and serves the new
          asset; the command says whether it saw that reload.`;

  const withDiscovery = async <T>(
    config: OtConfig,
    fn: (d: Discovery) => Promise<T> | T,
  ): Promise<T> => {
    const d = await deps.openDiscovery(config);
    try {
      return await fn(d.discovery);
    } finally {
      d.close();
    }
  };
  const print = (json: boolean, value: unknown, text: string): number => {
    process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
    return 0;
  };

  return {
    discover: {
      summary: 'probe the plant within the local probe scope; list or onboard what was found',
      usage,
      async run(argv) {
        const [sub, ...rest] = argv;
        if (sub === 'list') {
          const a = parseCommand(rest, { config: { type: 'string' }, json: { type: 'boolean' } });
          if (!a.ok) throw new UsageError(a.error);
          const config = deps.configFrom(a.value.values.config);
          const list = await withDiscovery(config, (d) => d.list());
          return print(
            a.value.values.json === true,
            list,
            list.map(describe).join('\n') || 'no proposals',
          );
        }
        if (sub === 'onboard') {
          const a = parseCommand(rest, {
            config: { type: 'string' },
            name: { type: 'string' },
            username: { type: 'string' },
            description: { type: 'string' },
            profiles: { type: 'string' },
            json: { type: 'boolean' },
          });
          if (!a.ok) throw new UsageError(a.error);
          const v = a.value.values;
          const [id, ...extra] = a.value.positionals;
          if (id === undefined || extra.length > 0)
            throw new UsageError(`expected one proposal id\n\n${usage}`);
          if (v.name === undefined) throw new UsageError('--name <asset> is required');
          let profiles: Record<string, unknown> | undefined;
          if (v.profiles !== undefined) {
            let parsed: unknown;
            try {
              parsed = JSON.parse(readFileSync(v.profiles, 'utf8'));
            } catch (e) {
              throw new UsageError(`--profiles ${v.profiles}: ${(e as Error).message}`);
            }
            if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
              throw new UsageError(`--profiles ${v.profiles} must hold a JSON object of profiles`);
            profiles = parsed as Record<string, unknown>;
          }
          const config = deps.configFrom(v.config);
          const since = Date.now();
          const r = await withDiscovery(config, (d) =>
            d.onboard({
              proposalId: id,
              name: v.name ?? '',
              actor: deps.actor,
              username: v.username,
              description: v.description,
              profiles,
            }),
          );
          return print(
            v.json === true,
            r,
            `onboarded ${r.protocol} asset ${r.asset} (pinned ${r.pin}); policy SHA-256 ${r.policySha256}\n${await deps.reloadNote(config, r.policySha256, since)}\nadd its credential with vault-set`,
          );
        }
        const args = sub === undefined || sub.startsWith('--') ? argv : undefined;
        if (args === undefined)
          throw new UsageError(`unknown discover command ${sub ?? ''}\n\n${usage}`);
        const a = parseCommand(args, {
          config: { type: 'string' },
          subnet: { type: 'string', multiple: true },
          port: { type: 'string', multiple: true },
          json: { type: 'boolean' },
        });
        if (!a.ok) throw new UsageError(a.error);
        const v = a.value.values;
        const config = deps.configFrom(v.config);
        const narrow = {
          ...(v.subnet !== undefined ? { subnets: v.subnet } : {}),
          ...(v.port !== undefined ? { ports: portsOf(v.port) } : {}),
        };
        const r = await withDiscovery(config, (d) => d.run(deps.actor, narrow));
        return print(
          v.json === true,
          r,
          `run ${r.runId}: ${r.probed} probes (${
            Object.entries(r.counts)
              .map(([k, n]) => `${k} ${n}`)
              .join(', ') || 'none'
          })${r.proposals.map((p) => `\n${describe(p)}`).join('')}${r.proposals.some((p) => p.state === 'proposed') ? `\nonboard one with: ${program} discover onboard <id> --config <file> --name <asset>` : ''}`,
        );
      },
    },
  };
}
