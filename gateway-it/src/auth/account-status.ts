/**
 * Whether an account may act at all, whatever its credentials: disabled accounts and vendors past
 * their contract end are refused on every path (login, existing sessions, tokens, grants).
 * A contract end date is inclusive: the account works until the end of that day in UTC.
 */
import type { User } from '../store/store.js';

export type AccountRefusal = 'disabled' | 'contract-ended';

/** The instant a contract that ends on `date` (YYYY-MM-DD) stops: 00:00 UTC the next day. */
export function contractEndsAt(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + 1);
}

export function accountRefusal(
  user: Pick<User, 'state' | 'contractEnd'>,
  now: number,
): AccountRefusal | undefined {
  if (user.state !== 'active') return 'disabled';
  if (user.contractEnd !== null && now >= contractEndsAt(user.contractEnd)) return 'contract-ended';
  return undefined;
}
