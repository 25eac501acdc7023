/**
 * The policy subsystem: the OT owner's local policy file, read and checked, and the catalogue of
 * assets this gateway publishes to the IT side.
 *
 * Guarantees: a policy is accepted only whole (every problem is reported, each naming its key, and
 * nothing is used from a file with a problem); an asset is checked by the schema of the protocol it
 * names, so a key a protocol does not know is an error, never ignored; the catalogue carries no
 * secret (no account, host key or credential), only what an operator must see to ask for access.
 * The running gateway holds the policy in force in a `LivePolicy` (live-policy.ts): reloaded on
 * SIGHUP or a change of the file, whole or not at all, audited (`policy.reload`).
 * Not here: what a profile allows at run time (each protocol's broker enforces its own profiles),
 * and lockdown (grants/).
 *
 * The protocols are not imported here: the composition root hands in each registered protocol's
 * `ProtocolPolicy` (the asset schema it parses with, and what it adds to the catalogue).
 */
import { AirlockError } from '../../../shared/src/errors.js';
import type { CatalogueAsset } from '../../../shared/src/model/asset-catalogue.js';
import type { Protocol } from '../../../shared/src/model/session-ticket.js';
import { formatProblems, type Problem, type Result } from '../../../shared/src/result.js';
import { buildCatalogue } from './asset-catalogue.js';
import {
  loadLocalPolicy,
  localPolicySchemaOf,
  parseLocalPolicy,
  type LocalPolicy,
  type ProtocolPolicy,
} from './local-policy.js';

export { isBreakGlassAllowed, requiredQuorum } from './approval-policy.js';
export type { ApprovalMode, ApprovalPolicy } from './approval-policy.js';
export {
  cidrContains,
  hostsOf,
  isCidrWithin,
  parseCidr,
  type Cidr,
  type DiscoveryScope,
} from './discovery-scope.js';
export {
  createLivePolicy,
  type LivePolicy,
  type PolicyListener,
  type ReloadOutcome,
  type ReloadTrigger,
} from './live-policy.js';
export type {
  AssetPolicy,
  AssetSchema,
  CatalogueProfileExtras,
  LocalPolicy,
  ProfilePolicy,
  ProtocolPolicy,
} from './local-policy.js';

export interface PolicyLoaderDeps {
  /** The registered protocols, in registration order (the order messages list them in). */
  readonly protocols: readonly ProtocolPolicy[];
}

export interface PolicyLoader {
  /** Reads and checks a policy file; every problem names its key. Never throws on a bad file. */
  load(path: string): Result<LocalPolicy, Problem[]>;
  /** `load` for a gateway that cannot run without it: a bad file throws `policy.invalid` (every problem). */
  open(path: string): LocalPolicy;
  /** Checks a policy already read (`hash` is the SHA-256 of its text). */
  parse(input: unknown, hash: string): Result<LocalPolicy, Problem[]>;
  /** The secret-free asset catalogue the gateway publishes, sorted by asset name. */
  catalogue(policy: LocalPolicy): CatalogueAsset[];
}

/** Throws `policy.no_protocols` or `policy.duplicate_protocol` for a registry that cannot be right. */
export function createPolicyLoader(deps: PolicyLoaderDeps): PolicyLoader {
  const schema = localPolicySchemaOf(deps.protocols);
  const byProtocol = new Map<Protocol, ProtocolPolicy>(deps.protocols.map((p) => [p.protocol, p]));
  const load = (path: string): Result<LocalPolicy, Problem[]> => loadLocalPolicy(schema, path);
  return {
    load,
    open(path) {
      const r = load(path);
      if (!r.ok)
        throw new AirlockError(
          'bad_request',
          'policy.invalid',
          `local policy ${path} is invalid: ${formatProblems(r.error)}`,
        );
      return r.value;
    },
    parse: (input, hash) => parseLocalPolicy(schema, input, hash),
    catalogue: (policy) => buildCatalogue(policy, byProtocol),
  };
}
