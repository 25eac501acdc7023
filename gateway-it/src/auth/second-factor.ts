/**
 * Step two by code: a TOTP code that was never used before (the conditional step update is the
 * replay guard, so two requests racing with one code cannot both pass) or an unused recovery code
 * (consumed and audited in one transaction). A wrong code is counted and audited by the gate.
 * Passkeys are their own step (passkey-login.ts).
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import { openSecret, wipe } from '../../../shared/src/crypto/aead.js';
import type { RecoveryCodeStore, User, UserStore } from '../store/store.js';
import type { LoginGate } from './login-gate.js';
import type { LoginVia, SecondFactor } from './login-service.js';
import { hashRecoveryCode, normalizeRecoveryCode } from './recovery-codes.js';
import { checkTotp } from './totp.js';
import { totpAssociatedData } from './user-admin.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface SecondFactorDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly users: UserStore;
  readonly recovery: RecoveryCodeStore;
  readonly clock: Clock;
  readonly secretsKey: Uint8Array;
  readonly driftSteps: number;
}

export class SecondFactorCheck {
  constructor(
    private readonly deps: SecondFactorDeps,
    private readonly gate: LoginGate,
  ) {}

  /** Step two: a TOTP code (never one already used) or a recovery code (consumed). */
  check(user: User, factor: SecondFactor, source: string, via: LoginVia): 'totp' | 'recovery' {
    const { deps } = this;
    this.gate.check(user.name, source, via);
    if ('recoveryCode' in factor) {
      const code = normalizeRecoveryCode(factor.recoveryCode);
      const now = deps.clock.now();
      const used =
        code !== undefined &&
        writeTransaction(deps.db, () => {
          if (!deps.recovery.consume(user.id, hashRecoveryCode(user.id, code), now)) return false;
          deps.audit.append({
            action: 'mfa.recovery_use',
            actor: user.name,
            target: user.name,
            outcome: 'success',
            details: { via, source, remaining: deps.recovery.remaining(user.id) },
          });
          return true;
        })();
      if (!used) this.gate.fail(user.name, user, source, via, 'bad-recovery-code');
      return 'recovery';
    }
    const secret = this.totpSecretOf(user);
    const lastStep = deps.users.credentials(user.id)?.totpLastStep ?? null;
    const check = checkTotp({
      secret,
      code: factor.code,
      nowMs: deps.clock.now(),
      lastStep,
      driftSteps: deps.driftSteps,
    });
    if (!check.ok)
      this.gate.fail(
        user.name,
        user,
        source,
        via,
        check.reason === 'replay' ? 'replay' : 'bad-code',
      );
    // The conditional update is the real replay guard: two requests racing with one code cannot both pass.
    if (!deps.users.advanceTotpStep(user.id, check.step))
      this.gate.fail(user.name, user, source, via, 'replay');
    return 'totp';
  }

  /** Counts and audits a failed enrollment confirmation like any other failed second factor. */
  failEnrollment(user: User, source: string, via: LoginVia): never {
    this.gate.fail(user.name, user, source, via, 'bad-enrollment-code');
  }

  /** The user's TOTP secret in clear, for one verification. */
  private totpSecretOf(user: User): string {
    const sealed = this.deps.users.credentials(user.id)?.totpSecretSealed ?? null;
    if (sealed === null)
      throw new AirlockError(
        'access_denied',
        'mfa.enrollment_required',
        'this account has no second factor yet: log in to the portal to enroll one',
      );
    const bytes = openSecret(sealed, this.deps.secretsKey, totpAssociatedData(user.id));
    const secret = Buffer.from(bytes).toString('utf8');
    wipe(bytes);
    return secret;
  }
}
