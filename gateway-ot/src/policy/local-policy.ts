/**
 * The OT owner's local policy: the assets this gateway may reach, the access profiles each offers,
 * and hard limits. It is the ceiling for everything the IT side asks: a grant can name only an
 * asset and profile listed here, and can only narrow what the profile allows. Loaded and validated
 * at start (a bad file stops the gateway with the key named); never editable from the IT side.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseWith } from '../../../shared/src/config/format-issues.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import { NAME_PATTERN, nameSchema } from '../../../shared/src/model/session-ticket.js';
import { err, ok, type Problem, type Result } from '../../../shared/src/result.js';
import { sshAssetSchema } from '../protocols/ssh/ssh-policy.js';
import { modbusAssetSchema } from '../protocols/modbus/modbus-policy.js';
import { opcuaAssetSchema } from '../protocols/opcua/opcua-policy.js';

export const assetPolicySchema = z.discriminatedUnion('protocol', [
  sshAssetSchema,
  modbusAssetSchema,
  opcuaAssetSchema,
]);
export type AssetPolicy = z.output<typeof assetPolicySchema>;

export const localPolicySchema = z.strictObject({
  limits: z
    .strictObject({
      /** No session lasts longer than this, whatever the grant says. */
      maxSessionMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(8 * 60),
      maxConcurrentSessions: z.number().int().min(1).max(10_000).default(64),
    })
    .prefault({}),
  assets: z.record(z.string(), assetPolicySchema),
});

export type LocalPolicy = z.output<typeof localPolicySchema> & { readonly hash: string };

/** Checks that a parsed policy also satisfies rules a schema cannot express (names). */
function checkNames(policy: z.output<typeof localPolicySchema>): Problem[] {
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
  return problems;
}

export function parseLocalPolicy(input: unknown, hash: string): Result<LocalPolicy, Problem[]> {
  const r = parseWith(localPolicySchema, input);
  if (!r.ok) return r;
  const problems = checkNames(r.value);
  if (problems.length > 0) return err(problems);
  return ok({ ...r.value, hash });
}

export function loadLocalPolicy(path: string): Result<LocalPolicy, Problem[]> {
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
  return parseLocalPolicy(json, sha256Hex(text));
}
