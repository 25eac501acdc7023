/**
 * A session ticket as the IT gateway would issue it, for tests that drive an OT broker directly
 * (without the link that normally carries and verifies it): valid for 30 s from `now`, inside a
 * grant that began a minute ago and runs an hour. Callers name what the test is about.
 */
import type { SessionTicket } from '../model/session-ticket.js';

export function testTicket(
  fields: Pick<SessionTicket, 'asset' | 'protocol' | 'profile' | 'channel'> &
    Partial<SessionTicket>,
  now = Date.now(),
): SessionTicket {
  return {
    v: 1,
    sessionId: 'ses_test',
    grantId: 'grt_test',
    user: { id: 'usr_alice', name: 'alice' },
    site: 'plant-a',
    grantNotBefore: now - 60_000,
    grantNotAfter: now + 3_600_000,
    approvers: ['olga'],
    breakGlass: false,
    nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
    issuedAt: now,
    expiresAt: now + 30_000,
    ...fields,
  };
}
