/**
 * This OT gateway's enrollment with its IT gateway, as `airlock-ot enroll` recorded it: where the
 * IT gateway is, the certificate fingerprint to pin, and the key whose session tickets to accept.
 * Kept in the gateway's own database; nothing here is secret (the identity key is a 0600 file).
 */
import { z } from 'zod';
import { fromBase64Url } from '../../../shared/src/crypto/encoding.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import type { GatewayStateStore } from './gateway-state-store.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export const enrollmentRecordSchema = z.strictObject({
  site: z.string().min(1),
  itUrl: z.url(),
  /** Lowercase hex SHA-256 of the IT gateway's certificate. */
  itFingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  grantPublicKey: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  gatewayId: z.string().min(1),
  enrolledAt: z.number().int().nonnegative(),
});

export type EnrollmentRecord = z.output<typeof enrollmentRecordSchema>;

const KEY = 'enrollment';

export function readEnrollment(state: GatewayStateStore): EnrollmentRecord | undefined {
  return state.get(KEY, enrollmentRecordSchema);
}

export function writeEnrollment(state: GatewayStateStore, record: EnrollmentRecord): void {
  state.put(KEY, record, record.enrolledAt);
}

/** The enrolled IT gateway's ticket-signing key, or undefined when not enrolled. */
export function grantPublicKeyOf(record: EnrollmentRecord | undefined): Uint8Array | undefined {
  if (record === undefined) return undefined;
  const k = fromBase64Url(record.grantPublicKey, 32);
  return k.ok ? k.value : undefined;
}

/** The enrollment record of this gateway's database. */
export interface EnrollmentStore {
  read(): EnrollmentRecord | undefined;
  /** Records the enrollment and, in the same transaction, `alongside` (its audit event). */
  write(record: EnrollmentRecord, alongside: () => void): void;
  /** The enrolled IT gateway's ticket-signing key, or undefined when not enrolled. */
  grantPublicKey(): Uint8Array | undefined;
}

export function createEnrollmentStore(db: Db, state: GatewayStateStore): EnrollmentStore {
  return {
    read: () => readEnrollment(state),
    write(record, alongside) {
      writeTransaction(db, () => {
        writeEnrollment(state, record);
        alongside();
      })();
    },
    grantPublicKey: () => grantPublicKeyOf(readEnrollment(state)),
  };
}
