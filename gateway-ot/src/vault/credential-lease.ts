/**
 * What a broker gets from the vault for one session: the secrets to try for one account on one
 * asset, and the duty to check them in. Secrets are Buffers the vault zeroes at check-in; a broker
 * hands them to the protocol library and never copies them into strings, logs or audit details.
 */
export type VaultSecretKind = 'password' | 'private-key';

export interface VaultSecret {
  readonly kind: VaultSecretKind;
  readonly bytes: Buffer;
}

export interface CheckOutRequest {
  readonly asset: string;
  readonly account: string;
  readonly sessionId: string;
  /** The user the session is for (the audit actor). */
  readonly user: string;
  /** A break-glass session: its credentials are rotated after check-in. */
  readonly breakGlass: boolean;
}

export interface CredentialLease {
  readonly asset: string;
  readonly account: string;
  /**
   * In the order to try them: the committed secret, then, after a rotation whose outcome on the
   * target is unknown, the pending one. Exactly one of them should work.
   */
  readonly candidates: readonly VaultSecret[];
  /** The target accepted `candidates[index]`; if that was the pending secret, it becomes the committed one. */
  confirm(index: number): void;
  /** Zeroes the secrets and records the check-in; may start a rotation. Idempotent. */
  checkIn(): void;
}

export interface CredentialSource {
  /** Throws AirlockError `vault.no_secret` when nothing is stored for the account. Audited. */
  checkOut(request: CheckOutRequest): CredentialLease;
}
