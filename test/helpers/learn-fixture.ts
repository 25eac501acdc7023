/**
 * What the learn-mode tests share (gateway-ot/src/learning/*.test.ts, learning-report.test.ts,
 * test/integration/modbus-learn.test.ts, opcua-learn.test.ts and policy/learn-live.test.ts): the
 * learn ceiling of their Modbus profiles, learning built as the OT gateway builds it for site
 * plant-1, checking proposals with the policy loader's own check, and the world a unit test learns
 * in (policy file, store, audit log, fake clock).
 * Test support only: the product never imports test/.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { AuditLog } from '../../shared/src/audit/audit-log.js';
import { FakeClock } from '../../shared/src/clock.js';
import { generateSigningKeyPair } from '../../shared/src/crypto/signing.js';
import { sequentialIds } from '../../shared/src/ids.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import {
  createLearning,
  type Learning,
  type LearningDeps,
} from '../../gateway-ot/src/learning/learning.js';
import {
  createPolicyLoader,
  type PolicyLoader,
  type PolicyLoaderDeps,
} from '../../gateway-ot/src/policy/policy.js';
import { createStore } from '../../gateway-ot/src/store/store.js';

/** Unit 1, read and write of holding registers 0-999, any value. */
export const LEARN_CEILING = {
  unitIds: [1],
  functions: ['read', 'write'],
  tables: {
    holdingRegisters: {
      read: [{ from: 0, to: 999 }],
      write: [{ from: 0, to: 999, min: 0, max: 65535 }],
    },
  },
};

/** Learning for site plant-1 with sequential ids; `loader` checks each proposal's policy. */
export function createTestLearning(
  deps: Pick<LearningDeps, 'store' | 'db' | 'audit' | 'clock' | 'policy' | 'policyFile'> & {
    readonly loader: Pick<PolicyLoader, 'parse'>;
  },
): Learning {
  const { loader, ...rest } = deps;
  return createLearning({
    ...rest,
    ids: sequentialIds(),
    site: 'plant-1',
    checkPolicy: (json, hash) => loader.parse(json, hash),
  });
}

/**
 * A unit test's learning world: `policyJson` written to a temp policy file and opened with
 * `protocols`, an in-memory OT store, an audit log on a fake clock at 2026-12-07 08:00 UTC, and
 * learning built on them as above. The store closes when the test ends.
 */
export function learnWorld(
  t: TestContext,
  policyJson: unknown,
  protocols: PolicyLoaderDeps['protocols'],
) {
  const dir = makeTempDir(t);
  const policyFile = join(dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify(policyJson, null, 2));
  const loader = createPolicyLoader({ protocols });
  const policy = loader.open(policyFile);
  const clock = new FakeClock(Date.UTC(2026, 11, 7, 8));
  const store = createStore({ dataDir: ':memory:' });
  t.after(() => store.close());
  const audit = new AuditLog({
    db: store.db,
    clock,
    ids: sequentialIds(),
    signingKey: generateSigningKeyPair(),
    checkpointIntervalMs: 0,
  });
  const learning = createTestLearning({
    store: store.learning,
    db: store.db,
    audit,
    clock,
    policy,
    policyFile,
    loader,
  });
  return { dir, policyFile, loader, policy, clock, store, audit, learning };
}
