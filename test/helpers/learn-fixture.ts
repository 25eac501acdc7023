/**
 * What the learn-mode tests share (gateway-ot/src/learning/learning.test.ts and
 * test/integration/modbus-learn.test.ts): the learn ceiling of their Modbus profiles, and learning
 * built as the OT gateway builds it for site plant-1, checking proposals with the policy loader's
 * own check. Test support only: the product never imports test/.
 */
import { sequentialIds } from '../../shared/src/ids.js';
import {
  createLearning,
  type Learning,
  type LearningDeps,
} from '../../gateway-ot/src/learning/learning.js';
import type { PolicyLoader } from '../../gateway-ot/src/policy/policy.js';

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
