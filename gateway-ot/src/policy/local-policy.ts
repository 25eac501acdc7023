/**
 * The OT owner's local policy: the assets this gateway may reach, the access profiles each offers,
 * and hard limits. It is the ceiling for everything the IT side asks: a grant can name only an
 * asset and profile listed here, and can only narrow what the profile allows. Loaded and validated
 * at start (a bad file stops the gateway with the key named); never editable from the IT side.
 *
 * What an asset of each protocol may say is that protocol's business: each registered protocol
 * hands in the strict schema of its assets (`ProtocolPolicy`), and an asset is parsed by the schema
 * its `protocol` names. This module knows only what every asset has (protocol, address, port,
 * description, named profiles) and the rules no schema can express (names, at least one profile).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { approvalPolicySchema, type ApprovalPolicy } from './approval-policy.js';
import { parseWith } from '../../../shared/src/config/format-issues.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import { AirlockError } from '../../../shared/src/errors.js';
import {
  NAME_PATTERN,
  nameSchema,
  type Protocol,
} from '../../../shared/src/model/session-ticket.js';
import type { CatalogueAsset } from '../../../shared/src/model/asset-catalogue.js';
import { err, ok, type Problem, type Result } from '../../../shared/src/result.js';
import { discoveryScopeSchema, type DiscoveryScope } from './discovery-scope.js';

/** What every access profile has, whatever its protocol. */
export interface ProfilePolicy {
  readonly description?: string | undefined;
}

/**
 * What every asset has, whatever its protocol. The protocol's own type (SshAssetPolicy, ...) has
 * more; a protocol module narrows to it with its own guard, since its own schema parsed the asset.
 */
export interface AssetPolicy {
  readonly protocol: Protocol;
  readonly description?: string | undefined;
  readonly address: string;
  readonly port: number;
  readonly profiles: Readonly<Record<string, ProfilePolicy>>;
}

/** A strict zod object schema for one protocol's assets, with `protocol` a literal. */
export type AssetSchema = z.ZodType<AssetPolicy, unknown> & z.core.$ZodTypeDiscriminable;

/** What the published catalogue may say of a profile beyond its name and description. */
export type CatalogueProfileExtras = Omit<
  CatalogueAsset['profiles'][number],
  'name' | 'description'
>;

/** What a protocol module tells the policy loader of its assets (the composition root hands it in). */
export interface ProtocolPolicy {
  readonly protocol: Protocol;
  /** Parses one asset of this protocol: its keys, its profiles, its defaults. */
  readonly assetSchema: AssetSchema;
  /**
   * What the published catalogue adds to one of this protocol's profiles for the operator (Modbus:
   * the points it may touch); never a secret. Absent: the profile's name and description only.
   */
  describeProfile?(asset: AssetPolicy, profileName: string): CatalogueProfileExtras;
}

const limitsSchema = z
  .strictObject({
    /** No session lasts longer than this, whatever the grant says. */
    maxSessionMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(8 * 60),
    maxConcurrentSessions: z.number().int().min(1).max(10_000).default(64),
    /**
     * Live sessions once the link to the IT gateway is lost: `end` them `linkLossGraceSeconds`
     * after the link was declared down, or `keep` them until their grant ends by this gateway's
     * clock. Why `end` is the default: docs/link.md, "Sessions without the link".
     */
    sessionsWithoutLink: z.enum(['end', 'keep']).default('end'),
    linkLossGraceSeconds: z.number().min(0).max(3600).default(30),
  })
  .prefault({});

export interface LocalPolicy {
  readonly limits: z.output<typeof limitsSchema>;
  /** Who has the final say over a session here (approval-policy.ts). */
  readonly approvals: ApprovalPolicy;
  readonly assets: Readonly<Record<string, AssetPolicy>>;
  /** What the gateway may probe (discovery/); absent: nothing is probed. */
  readonly discovery?: DiscoveryScope | undefined;
  /** SHA-256 of the file as read (audited at start, so a change of policy shows in the chain). */
  readonly hash: string;
}

/** Checks that a parsed policy also satisfies rules a schema cannot express (names). */
function checkNames(policy: Omit<LocalPolicy, 'hash'>): Problem[] {
  const problems: Problem[] = [];
  for (const [asset, a] of Object.entries(policy.assets)) {
    if (!NAME_PATTERN.test(asset))
      problems.push({
        path: `assets.${asset}`,
        message: 'asset name must be lowercase letters, digits, ".", "_", "-" (max 63)',
      });
    if (Object.keys(a.profiles).length === 0)
      problems.push({
        path: `assets.${asset}.profiles`,
        message: 'an asset needs at least one access profile',
      });
    for (const p of Object.keys(a.profiles)) {
      if (!nameSchema.safeParse(p).success)
        problems.push({
          path: `assets.${asset}.profiles.${p}`,
          message: 'profile name must be lowercase letters, digits, ".", "_", "-" (max 63)',
        });
    }
  }
  for (const a of policy.approvals.breakGlassAssets ?? [])
    if (!Object.hasOwn(policy.assets, a))
      problems.push({
        path: 'approvals.breakGlassAssets',
        message: `asset ${a} is not in this policy's assets`,
      });
  return problems;
}

/** The policy file's schema for these protocols, in their order (the order error messages list them in). */
export function localPolicySchemaOf(protocols: readonly ProtocolPolicy[]) {
  const [first, ...rest] = protocols.map((p) => p.assetSchema);
  if (first === undefined)
    throw new AirlockError('internal', 'policy.no_protocols', 'no protocol is registered');
  const seen = new Set<Protocol>();
  for (const p of protocols) {
    if (seen.has(p.protocol))
      throw new AirlockError(
        'internal',
        'policy.duplicate_protocol',
        `two protocol modules registered for ${p.protocol}`,
      );
    seen.add(p.protocol);
  }
  return z.strictObject({
    limits: limitsSchema,
    approvals: approvalPolicySchema,
    discovery: discoveryScopeSchema,
    assets: z.record(z.string(), z.discriminatedUnion('protocol', [first, ...rest])),
  });
}

export function parseLocalPolicy(
  schema: ReturnType<typeof localPolicySchemaOf>,
  input: unknown,
  hash: string,
): Result<LocalPolicy, Problem[]> {
  const r = parseWith(schema, input);
  if (!r.ok) return r;
  const problems = checkNames(r.value);
  if (problems.length > 0) return err(problems);
  return ok({ ...r.value, hash });
}

export function loadLocalPolicy(
  schema: ReturnType<typeof localPolicySchemaOf>,
  path: string,
): Result<LocalPolicy, Problem[]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return err([
      {
        path: '',
        message: `cannot read policy file ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
      },
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (e) {
    return err([
      { path: '', message: `policy file ${path} is not valid JSON: ${(e as Error).message}` },
    ]);
  }
  return parseLocalPolicy(schema, json, sha256Hex(text));
}
