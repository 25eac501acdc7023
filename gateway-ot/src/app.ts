/**
 * The OT gateway's composition root: loads the local policy, opens the database and audit log,
 * loads (or creates) the gateway's Ed25519 identity, and wires the services. It opens no inbound
 * listener: everything it does with the IT side goes over connections it dials itself.
 */
import { join } from 'node:path';
import { AuditLog } from '../../shared/src/audit/audit-log.js';
import type { Clock } from '../../shared/src/clock.js';
import { AirlockError } from '../../shared/src/errors.js';
import type { IdGenerator } from '../../shared/src/ids.js';
import type { Logger } from '../../shared/src/log.js';
import { formatProblems } from '../../shared/src/result.js';
import type { Db } from '../../shared/src/store/open-database.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { loadOrCreateSigningKey } from '../../shared/src/crypto/key-file.js';
import type { SigningKeyPair } from '../../shared/src/crypto/signing.js';
import { AIRLOCK_VERSION } from '../../shared/src/version.js';
import type { OtConfig } from './config/ot-config.js';
import { loadLocalPolicy, type LocalPolicy } from './policy/local-policy.js';
import { openOtDatabase } from './store/ot-database.js';

export interface OtDeps {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
}

export interface OtServices {
  readonly config: OtConfig;
  readonly policy: LocalPolicy;
  readonly db: Db;
  readonly audit: AuditLog;
  /** The gateway's identity: proves it to the IT side and signs its audit checkpoints. */
  readonly identity: SigningKeyPair;
}

export interface OtGateway {
  readonly services: OtServices;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function identityKeyPath(dataDir: string): string {
  return join(dataDir, 'keys', 'ot-identity.key');
}

export async function createOtGateway(config: OtConfig, deps: OtDeps): Promise<OtGateway> {
  await initCrypto();
  const policyResult = loadLocalPolicy(config.policyFile);
  if (!policyResult.ok) {
    throw new AirlockError('bad_request', 'policy.invalid', `local policy ${config.policyFile} is invalid: ${formatProblems(policyResult.error)}`);
  }
  const policy = policyResult.value;
  const identity = loadOrCreateSigningKey(identityKeyPath(config.dataDir));
  const db = openOtDatabase(config.dataDir);
  const audit = new AuditLog({
    db,
    clock: deps.clock,
    ids: deps.ids,
    signingKey: identity,
    checkpointEvery: config.audit.checkpointEvery,
    checkpointIntervalMs: config.audit.checkpointIntervalSeconds * 1000,
  });
  const services: OtServices = { config, policy, db, audit, identity };
  const actor = `system:ot:${config.site}`;
  let started = false;
  let stopped = false;
  return {
    services,
    async start() {
      audit.appendMany([
        { action: 'gateway.start', actor, site: config.site, outcome: 'success', details: { version: AIRLOCK_VERSION } },
        { action: 'config.load', actor, site: config.site, outcome: 'success', details: { policyFile: config.policyFile, policySha256: policy.hash, assets: Object.keys(policy.assets).sort() } },
      ]);
      started = true;
      deps.log.info('OT gateway started', { site: config.site, assets: Object.keys(policy.assets).length, version: AIRLOCK_VERSION });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (started) audit.append({ action: 'gateway.stop', actor, site: config.site, outcome: 'success' });
      audit.close();
      db.close();
    },
  };
}
