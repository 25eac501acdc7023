/**
 * The audit log unit tests build beside the service under test: on the test's database and
 * clock, with sequential ids and a fresh signing key (so a chain verifies and event ids are
 * predictable). For tests only; a gateway builds its log in its store.
 */
import { AuditLog, type AuditLogOptions } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { generateSigningKeyPair } from '../crypto/signing.js';
import { sequentialIds } from '../ids.js';
import type { Db } from '../store/open-database.js';

export function testAuditLog(
  db: Db,
  clock: Clock,
  options: Partial<Omit<AuditLogOptions, 'db' | 'clock'>> = {},
): AuditLog {
  return new AuditLog({
    db,
    clock,
    ids: sequentialIds(),
    signingKey: generateSigningKeyPair(),
    ...options,
  });
}
