/** Reading what the appliance's commands print: JSON answers, user-add's hand-over text, scores. */
import { generateSync } from 'otplib';

export function parseJson<T = Record<string, unknown>>(text: string, what: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${what}: not JSON: ${text}`);
  }
}

/** `created <name>` blocks of `airlock-it user-add`'s human output. */
export function parseUsers(out: string): Map<string, { password: string; totpSecret: string }> {
  const users = new Map<string, { password: string; totpSecret: string }>();
  for (const m of out.matchAll(/created (\S+)\n\s+password:\s+(\S+)\n\s+TOTP secret:\s+(\S+)/g))
    users.set(m[1] ?? '', { password: m[2] ?? '', totpSecret: m[3] ?? '' });
  return users;
}

/** A TOTP code, optionally of a later 30 s step (the gateways accept one step of drift). */
export function totp(secret: string, stepsAhead = 0): string {
  return generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 * stepsAhead });
}

/** The figure `systemd-analyze security UNIT` ends with. */
export function exposureOf(out: string, unit: string): number {
  const m = new RegExp(`Overall exposure level for ${unit}: ([0-9.]+)`).exec(out);
  if (m === null) throw new Error(`no exposure score for ${unit} in:\n${out}`);
  return Number(m[1]);
}
