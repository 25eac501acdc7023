/**
 * Recording an event in a gateway's audit chain from a maintenance command (backup, restore, TLS
 * import, migrate) without starting the gateway: the same database and signing key, appends
 * serialized by SQLite (a running gateway may append at the same time). The schema is not touched:
 * no migration runs here.
 */
import { join } from 'node:path';
import { AuditLog } from '../audit/audit-log.js';
import type { AuditEventInput } from '../audit/audit-event.js';
import { systemClock } from '../clock.js';
import { randomIds } from '../ids.js';
import { loadOrCreateSigningKey } from '../crypto/key-file.js';
import { openDatabase } from '../store/open-database.js';

export interface OfflineAuditTarget {
  readonly dataDir: string;
  readonly databaseFile: string;
  /** The gateway's audit signing key (IT: keys/audit-signing.key; OT: its identity key). */
  readonly signingKeyPath: string;
}

export function appendOfflineAudit(
  target: OfflineAuditTarget,
  events: readonly AuditEventInput[],
): void {
  const key = loadOrCreateSigningKey(target.signingKeyPath);
  const db = openDatabase({ path: join(target.dataDir, target.databaseFile), migrations: [] });
  try {
    const log = new AuditLog({
      db,
      clock: systemClock,
      ids: randomIds,
      signingKey: key,
      checkpointIntervalMs: 0,
    });
    log.appendMany(events);
    log.close();
  } finally {
    db.close();
  }
}
