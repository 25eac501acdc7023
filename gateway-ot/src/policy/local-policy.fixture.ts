/** The local policy as the running gateway reads it (its registered protocols), for tests. */
import { OT_PROTOCOLS } from '../app.js';
import { createPolicyLoader, type PolicyLoader } from './policy.js';

export const testPolicies: PolicyLoader = createPolicyLoader({ protocols: OT_PROTOCOLS });
