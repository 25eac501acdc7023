/**
 * The firewall subsystem: the OT gateway's host firewall, derived from its local policy. Its
 * service user may open connections only to the IT gateway's address and port and to each listed
 * asset's address and port; nothing comes in but replies; nothing is forwarded (ruleset.ts). So a
 * compromised gateway process still cannot scan the plant or reach a device the policy does not list.
 *
 * Guarantees: a policy whose addresses a rule cannot name safely (a hostname resolving to several
 * addresses or none, loopback, multicast, link-local, outside the listed plant subnets) gives no
 * ruleset, only every problem with its key; a ruleset is loaded as one nft transaction replacing
 * only the `inet airlock_ot` table; its SHA-256 names it in the audit event and the written file.
 * Not here: who runs the load (the gateway with CAP_NET_ADMIN, or the appliance's root-owned unit:
 * see firewall-config.ts), and the IT gateway's ruleset (a static file under image/nftables/).
 */
import { renameSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import { AirlockError, describeError } from '../../../shared/src/errors.js';
import type { Logger } from '../../../shared/src/log.js';
import { err, formatProblems, ok, type Problem, type Result } from '../../../shared/src/result.js';
import type { LocalPolicy } from '../policy/policy.js';
import {
  parseSubnet,
  resolveRuleAddress,
  systemResolver,
  type Resolver,
  type Subnet,
} from './address-check.js';
import type { FirewallConfig } from './firewall-config.js';
import { runNft } from './nft.js';
import { renderRuleset, TABLE, type RuleDestination } from './ruleset.js';
import { probeRulesOf } from './probe-rules.js';

export { firewallConfigSchema, type FirewallConfig } from './firewall-config.js';
export type { Resolver, ResolvedAddress } from './address-check.js';
export type { RuleDestination } from './ruleset.js';
export { TABLE as FIREWALL_TABLE };

export interface Ruleset {
  /** The `nft -f` text. */
  readonly text: string;
  readonly sha256: string;
  /** What the service user may reach, IT gateway first, then the assets by name. */
  readonly destinations: readonly RuleDestination[];
}

export interface FirewallDeps {
  readonly config: FirewallConfig;
  /** For the header comment of the ruleset. */
  readonly policyFile: string;
  /** Default: getaddrinfo (what the gateway's own connections use). */
  readonly resolve?: Resolver;
}

export interface Firewall {
  readonly config: FirewallConfig;
  /** Resolves and checks every address, then renders; never throws on a bad policy. */
  render(
    policy: Pick<LocalPolicy, 'assets' | 'hash' | 'discovery'>,
  ): Promise<Result<Ruleset, Problem[]>>;
  /** Loads the ruleset (`nft -f`, one transaction); throws `firewall.load_failed`. */
  load(ruleset: Ruleset): Promise<void>;
  /** Writes the ruleset to `config.rulesetFile` (0644, replaced by rename, never half-written). */
  writeFile(ruleset: Ruleset): void;
  /** The SHA-256 of `config.rulesetFile` as it is now, or undefined when it cannot be read. */
  fileSha256(): string | undefined;
  /** `render`, throwing `policy.address_refused` with every problem (a gateway cannot start so). */
  prepare(policy: Pick<LocalPolicy, 'assets' | 'hash' | 'discovery'>): Promise<Ruleset>;
  /**
   * At gateway start: `apply` mode loads the ruleset (a failure is audited and thrown: the gateway
   * does not run without the firewall it was told to install); `external` mode checks that the
   * ruleset file the root-owned unit loaded is this ruleset (a mismatch is audited as a failure
   * and logged, since the running rules are then the previous policy's). Audited as
   * `firewall.load` with the ruleset's SHA-256 either way.
   */
  enforce(ruleset: Ruleset, on: FirewallAudit): Promise<void>;
  /**
   * `external` mode, while the gateway runs: each new ruleset the root-owned unit writes (it
   * writes the file only after the rules loaded) is audited as `firewall.load` with its SHA-256,
   * and whether it is the policy this gateway serves (`matchesRunningPolicy`: after a policy
   * change it is not, until the gateway has reloaded that policy and follows its ruleset). So a
   * reload between restarts is in the chain.
   */
  follow(running: Ruleset, on: FirewallAudit): { close(): void };
}

export interface FirewallAudit {
  readonly audit: AuditLog;
  readonly log: Logger;
  readonly actor: string;
  readonly site: string;
}

export function createFirewall(deps: FirewallDeps): Firewall {
  const { config } = deps;
  const resolve = deps.resolve ?? systemResolver;
  // The config schema checked each subnet already; parse once more to get its parts.
  const subnets: Subnet[] = config.plantSubnets.flatMap((s) => {
    const r = parseSubnet(s);
    return r.ok ? [r.value] : [];
  });
  const firewall: Firewall = {
    config,
    async render(policy) {
      const problems: Problem[] = [];
      const it = await resolveRuleAddress(config.itGateway.address, [], resolve);
      if (!it.ok) problems.push({ path: 'firewall.itGateway.address', message: it.error });
      const assets: RuleDestination[] = [];
      for (const name of Object.keys(policy.assets).sort()) {
        const a = policy.assets[name];
        if (a === undefined) continue;
        const r = await resolveRuleAddress(a.address, subnets, resolve);
        if (!r.ok) problems.push({ path: `assets.${name}.address`, message: r.error });
        else assets.push({ label: `asset ${name}`, ...r.value, port: a.port });
      }
      const probes = probeRulesOf(policy.discovery, subnets);
      problems.push(...probes.problems);
      if (!it.ok || problems.length > 0) return err(problems);
      const itGateway: RuleDestination = {
        label: 'it-gateway',
        ...it.value,
        port: config.itGateway.port,
      };
      const text = renderRuleset({
        serviceUser: config.serviceUser,
        itGateway,
        assets,
        probes: probes.rules,
        policyFile: deps.policyFile,
        policySha256: policy.hash,
      });
      return ok({ text, sha256: sha256Hex(text), destinations: [itGateway, ...assets] });
    },
    load: (ruleset) => runNft(config.nft, ruleset.text),
    writeFile(ruleset) {
      const tmp = join(dirname(config.rulesetFile), `.${TABLE}.${process.pid}.tmp`);
      writeFileSync(tmp, ruleset.text, { mode: 0o644 });
      renameSync(tmp, config.rulesetFile);
    },
    fileSha256() {
      try {
        return sha256Hex(readFileSync(config.rulesetFile));
      } catch {
        return undefined;
      }
    },
    async prepare(policy) {
      const r = await firewall.render(policy);
      if (!r.ok)
        throw new AirlockError(
          'bad_request',
          'policy.address_refused',
          `local policy ${deps.policyFile}: the firewall cannot name these addresses: ${formatProblems(r.error)}`,
          { details: { problems: r.error } },
        );
      return r.value;
    },
    async enforce(ruleset, on) {
      const details = {
        mode: config.mode,
        sha256: ruleset.sha256,
        table: `inet ${TABLE}`,
        allowed: ruleset.destinations.map((d) => `${d.label} ${d.address}:${d.port}`),
      };
      const event = { action: 'firewall.load', actor: on.actor, site: on.site } as const;
      if (config.mode === 'apply') {
        try {
          await firewall.load(ruleset);
        } catch (e) {
          on.audit.append({
            ...event,
            outcome: 'failure',
            details: { ...details, reason: describeError(e) },
          });
          throw e;
        }
        on.audit.append({ ...event, outcome: 'success', details });
        on.log.info('host firewall loaded', { sha256: ruleset.sha256 });
        return;
      }
      const loaded = firewall.fileSha256();
      const matches = loaded === ruleset.sha256;
      on.audit.append({
        ...event,
        outcome: matches ? 'success' : 'failure',
        details: { ...details, file: config.rulesetFile, fileSha256: loaded ?? null },
      });
      if (matches) on.log.info('host firewall matches the policy', { sha256: ruleset.sha256 });
      else
        on.log.warn(
          'the host firewall file is not the ruleset this policy gives: run `airlock-ot firewall apply` as root (the appliance does on every policy change)',
          { expected: ruleset.sha256, file: config.rulesetFile, found: loaded ?? 'unreadable' },
        );
    },
    follow(running, on) {
      let last = firewall.fileSha256();
      const file = basename(config.rulesetFile);
      const changed = (): void => {
        const sha256 = firewall.fileSha256();
        if (sha256 === undefined || sha256 === last) return;
        last = sha256;
        const matches = sha256 === running.sha256;
        on.audit.append({
          action: 'firewall.load',
          actor: on.actor,
          site: on.site,
          outcome: 'success',
          details: {
            mode: config.mode,
            sha256,
            table: `inet ${TABLE}`,
            file: config.rulesetFile,
            matchesRunningPolicy: matches,
          },
        });
        if (matches) on.log.info('host firewall reloaded with this policy', { sha256 });
        else
          on.log.warn(
            'host firewall reloaded from a policy this gateway does not serve (yet: it reloads a changed policy file by itself)',
            { sha256, running: running.sha256 },
          );
      };
      // The directory, not the file: `firewall apply` replaces the file by rename. A directory
      // this gateway cannot watch costs the prompt audit of reloads, not the gateway: the check
      // at the next start still audits what is loaded.
      const cannotFollow = (e: unknown): void =>
        on.log.warn('cannot follow the host firewall file; reloads are audited at the next start', {
          file: config.rulesetFile,
          reason: describeError(e),
        });
      try {
        const watcher = watch(dirname(config.rulesetFile), (_event, name) => {
          if (name === file) changed();
        });
        watcher.on('error', cannotFollow);
        return { close: () => watcher.close() };
      } catch (e) {
        cannotFollow(e);
        return { close: () => undefined };
      }
    },
  };
  return firewall;
}
