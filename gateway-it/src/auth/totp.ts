/**
 * TOTP (RFC 6238: SHA-1, 6 digits, 30 s steps, what every authenticator app speaks) through
 * otplib, plus the replay rule: a code is accepted only for a time step later than the last one
 * accepted for the same user, so a code seen over someone's shoulder, or replayed by a proxy, is
 * worthless once used. Accepted drift is a configured number of steps either side.
 * Enrollment material (otpauth:// URI and its QR code as SVG) is built here too.
 */
import { generateSecret, generateURI, verifySync } from 'otplib';
import QRCode from 'qrcode';

export const TOTP_PERIOD_SECONDS = 30;
const CODE_PATTERN = /^\d{6}$/;

export type TotpCheck =
  | { readonly ok: true; readonly step: number }
  | { readonly ok: false; readonly reason: 'malformed' | 'invalid' | 'replay' };

export interface TotpCheckInput {
  readonly secret: string;
  readonly code: string;
  readonly nowMs: number;
  /** Last step accepted for this user, or null if none yet. */
  readonly lastStep: number | null;
  readonly driftSteps: number;
}

/** Checks a code; the caller must then record `step` atomically (UserStore.advanceTotpStep). */
export function checkTotp(input: TotpCheckInput): TotpCheck {
  const code = input.code.replace(/\s+/g, '');
  if (!CODE_PATTERN.test(code)) return { ok: false, reason: 'malformed' };
  const r = verifySync({
    secret: input.secret,
    token: code,
    epoch: Math.floor(input.nowMs / 1000),
    epochTolerance: input.driftSteps * TOTP_PERIOD_SECONDS,
  });
  if (!r.valid || !('timeStep' in r)) return { ok: false, reason: 'invalid' };
  if (input.lastStep !== null && r.timeStep <= input.lastStep)
    return { ok: false, reason: 'replay' };
  return { ok: true, step: r.timeStep };
}

export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(issuer: string, account: string, secret: string): string {
  return generateURI({ issuer, label: account, secret });
}

/** The enrollment QR code as an SVG document (served inline as an <img> data URL; no script). */
export async function totpQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
