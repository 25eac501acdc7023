/**
 * Onboarding a proposal: the discovered service becomes an asset of the OT local policy, in the
 * same representation the owner writes by hand (the policy file), with what discovery saw pinned:
 * an SSH host key (`hostKey`, the OpenSSH key line), an OPC UA server certificate
 * (`serverCertificateSha256`). The new file is checked whole by the same parser the gateway starts
 * with, then written atomically (temporary file in the same folder, fsync, rename, mode kept); the
 * `asset.onboard` event (with old and new policy hash) commits with the proposal's state before the
 * rename, so a change is never made unaudited. A garbage or already onboarded proposal, a taken
 * name or a file that would not parse are refused (audited `discovery.deny`), and the file is left
 * as it was. A running gateway follows the file (policy/live-policy.ts) and serves the new asset
 * once it has reloaded it (audited `policy.reload`).
 *
 * Default profiles allow nothing (SSH exec-only with no command, Modbus no function, OPC UA no
 * node) until the owner writes real ones (`--profiles`).
 */
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { Finding } from '../../../shared/src/model/discovery.js';
import { NAME_PATTERN } from '../../../shared/src/model/session-ticket.js';
import { formatProblems } from '../../../shared/src/result.js';
import type { PolicyLoader } from '../policy/policy.js';
import type { DiscoveredAssetRow as ProposalRow, DiscoveryStore } from '../store/store.js';

export interface OnboardDeps {
  readonly policyFile: string;
  readonly policies: PolicyLoader;
  readonly store: DiscoveryStore;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly site: string;
}

export interface OnboardInput {
  readonly proposalId: string;
  readonly name: string;
  readonly actor: string;
  readonly description?: string | undefined;
  /** SSH: the account the gateway logs in as (its secret goes in the vault afterwards). */
  readonly username?: string | undefined;
  /** The asset's profiles, as in the policy file; absent: one profile that allows nothing. */
  readonly profiles?: Record<string, unknown> | undefined;
}

export interface OnboardResult {
  readonly asset: string;
  readonly protocol: string;
  readonly pin: string;
  readonly policySha256: string;
}

function assetOf(
  p: ProposalRow,
  f: Finding,
  input: OnboardInput,
): { asset: Record<string, unknown>; pin: string } {
  const common = {
    protocol: f.protocol,
    ...(input.description !== undefined ? { description: input.description } : {}),
    address: p.address,
    port: p.port,
  };
  switch (f.protocol) {
    case 'ssh':
      if (input.username === undefined)
        throw new AirlockError(
          'bad_request',
          'discovery.username_required',
          'an SSH asset needs --username (the account the gateway logs in as)',
        );
      return {
        asset: {
          ...common,
          hostKey: f.hostKey,
          username: input.username,
          profiles: input.profiles ?? {
            'no-commands': {
              description: 'onboarded by discovery: allows nothing yet',
              mode: 'exec-only',
            },
          },
        },
        pin: f.fingerprint,
      };
    case 'modbus':
      return {
        asset: {
          ...common,
          profiles: input.profiles ?? {
            'no-functions': {
              description: 'onboarded by discovery: allows nothing yet',
              unitIds: f.unitIds.length > 0 ? f.unitIds : [1],
            },
          },
        },
        pin: `unit ids ${f.unitIds.join(',')}`,
      };
    case 'opcua':
      if (f.certificateSha256 === undefined)
        throw new AirlockError(
          'bad_request',
          'discovery.no_certificate',
          'the OPC UA server sent no certificate: there is nothing to pin, so it cannot be onboarded',
        );
      return {
        asset: {
          ...common,
          serverCertificateSha256: f.certificateSha256,
          profiles: input.profiles ?? {
            'no-nodes': {
              description: 'onboarded by discovery: allows nothing yet',
              namespaceUri: 'http://opcfoundation.org/UA/',
            },
          },
        },
        pin: `sha256:${f.certificateSha256}`,
      };
    default: {
      const never: never = f;
      return never;
    }
  }
}

function writeAtomically(file: string, text: string): () => void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w', statSync(file).mode & 0o777);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return () => renameSync(tmp, file);
}

export function onboardProposal(deps: OnboardDeps, input: OnboardInput): OnboardResult {
  const { audit, site } = deps;
  const refuse = (
    kind: 'bad_request' | 'not_found' | 'conflict',
    code: string,
    message: string,
  ): never => {
    audit.append({
      action: 'discovery.deny',
      actor: input.actor,
      site,
      target: input.name,
      outcome: 'denied',
      details: { proposal: input.proposalId, reason: message },
    });
    throw new AirlockError(kind, code, message);
  };
  if (!NAME_PATTERN.test(input.name))
    return refuse(
      'bad_request',
      'discovery.bad_name',
      'asset name must be lowercase letters, digits, ".", "_", "-" (max 63)',
    );
  const p = deps.store.get(input.proposalId);
  if (p === undefined)
    return refuse('not_found', 'discovery.no_proposal', `no proposal ${input.proposalId}`);
  if (p.state !== 'proposed' || p.finding === undefined)
    return refuse(
      'conflict',
      'discovery.not_onboardable',
      p.state === 'garbage'
        ? `proposal ${p.id} answered garbage (${p.seen ?? ''}): it is never onboarded`
        : `proposal ${p.id} is already onboarded as ${p.asset ?? '?'}`,
    );
  const oldText = readFileSync(deps.policyFile, 'utf8');
  let doc: { assets?: Record<string, unknown> };
  try {
    doc = JSON.parse(oldText) as { assets?: Record<string, unknown> };
  } catch (e) {
    return refuse(
      'bad_request',
      'discovery.policy_invalid',
      `the local policy ${deps.policyFile} is not valid JSON (${(e as Error).message}); nothing was changed`,
    );
  }
  const assets = doc.assets ?? {};
  if (Object.hasOwn(assets, input.name))
    return refuse(
      'conflict',
      'discovery.name_taken',
      `the local policy already has an asset ${input.name}`,
    );
  let built: { asset: Record<string, unknown>; pin: string };
  try {
    built = assetOf(p, p.finding, input);
  } catch (e) {
    return refuse(
      'bad_request',
      e instanceof AirlockError ? e.code : 'discovery.bad_input',
      (e as Error).message,
    );
  }
  const newText = `${JSON.stringify({ ...doc, assets: { ...assets, [input.name]: built.asset } }, null, 2)}\n`;
  const newHash = sha256Hex(newText);
  const checked = deps.policies.parse(JSON.parse(newText), newHash);
  if (!checked.ok)
    return refuse(
      'bad_request',
      'discovery.policy_invalid',
      `the policy with ${input.name} would be invalid, nothing was changed: ${formatProblems(checked.error)}`,
    );
  const commit = writeAtomically(deps.policyFile, newText);
  try {
    deps.store.atomically(() => {
      if (!deps.store.markOnboarded(p.id, input.name, deps.clock.now()))
        throw new AirlockError(
          'conflict',
          'discovery.not_onboardable',
          `proposal ${p.id} was onboarded meanwhile`,
        );
      audit.append({
        action: 'asset.onboard',
        actor: input.actor,
        site,
        target: input.name,
        outcome: 'success',
        details: {
          proposal: p.id,
          protocol: p.protocol,
          address: p.address,
          port: p.port,
          pin: built.pin,
          oldPolicySha256: sha256Hex(oldText),
          policySha256: newHash,
        },
      });
    });
    commit();
  } catch (e) {
    try {
      unlinkSync(
        join(dirname(deps.policyFile), `.${basename(deps.policyFile)}.${process.pid}.tmp`),
      );
    } catch {
      // Already renamed or never written: nothing left behind.
    }
    throw e;
  }
  return { asset: input.name, protocol: p.protocol, pin: built.pin, policySha256: newHash };
}
