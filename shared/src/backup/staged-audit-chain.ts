/**
 * A restore's last check: the restored audit chain verifies (hashes, links, signed checkpoints)
 * under the restored signing key, read-only, before anything is swapped in.
 */
import { AuditLog } from '../audit/audit-log.js';
import { systemClock } from '../clock.js';
import { AirlockError } from '../errors.js';
import { randomIds } from '../ids.js';
import { loadOrCreateSigningKey } from '../crypto/key-file.js';
import { openDatabase } from '../store/open-database.js';
import type { RestoreCheck } from './restore-backup.js';
import { existsSync } from 'node:fs';

export function verifyStagedAuditChain(dbPath: string, signingKeyPath: string): RestoreCheck {
  if (!existsSync(signingKeyPath))
    throw new AirlockError(
      'bad_request',
      'backup.bad_content',
      `the backup has no audit signing key (${signingKeyPath} is missing)`,
    );
  const key = loadOrCreateSigningKey(signingKeyPath);
  const db = openDatabase({ path: dbPath, migrations: [], readonly: true });
  try {
    const log = new AuditLog({
      db,
      clock: systemClock,
      ids: randomIds,
      signingKey: key,
      checkpointIntervalMs: 0,
    });
    const v = log.verify();
    if (!v.ok)
      throw new AirlockError(
        'bad_request',
        'backup.audit_chain',
        `the backup's audit chain does not verify: ${v.problem?.message ?? 'unknown problem'} (event ${v.problem?.seq ?? '?'})`,
      );
    return { auditEvents: v.events, checkpointsVerified: v.checkpointsVerified };
  } finally {
    db.close();
  }
}
