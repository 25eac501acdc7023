/**
 * One recorded SSH session through a started chain (test/helpers/ssh-chain.ts), as the audit tests
 * need it before they look: `user` runs one command on hmi-1 (key + TOTP), the session's start is
 * found in the IT audit log, and the helper returns only once the recording verified at the IT
 * gateway and the OT side's `session.end` was ingested. It asserts the command exited 0; what the
 * command printed is the test's to check.
 */
import assert from 'node:assert/strict';
import type { AuditEvent } from '../../shared/src/audit/audit-event.js';
import { SITE, waitForSiteConnected } from './link-fixture.js';
import { keyLogin, type ChainUser, type SshChain, type SshRun } from './ssh-chain.js';
import { waitFor } from './wait-for.js';

export interface RecordedSession {
  readonly ran: SshRun;
  readonly sessionId: string;
  readonly grantId: string;
  /** The site's OT events as the IT gateway ingested them, read afresh on each call. */
  otEvents(): AuditEvent[];
}

export async function runRecordedSession(
  chain: SshChain,
  user: ChainUser,
  command: string,
): Promise<RecordedSession> {
  const s = chain.it.gw.services;
  chain.answers(user);
  await waitForSiteConnected(chain.it);
  const key = [...chain.baseOptions(), '-p', String(chain.sshPort), ...keyLogin(user)];
  const ran = await chain.run('ssh', [...key, `${user.user.name}:hmi-1@127.0.0.1`, command]);
  assert.equal(ran.code, 0, ran.stderr);
  const start = [...s.store.audit.iterate()].find(
    (e) => e.action === 'session.start' && e.actor === user.user.name && e.target === 'hmi-1',
  );
  const sessionId = start?.details.sessionId;
  const grantId = start?.details.grantId;
  assert.ok(typeof sessionId === 'string' && typeof grantId === 'string');
  await waitFor(
    'the recording verified at the IT gateway',
    () => s.recording.ingest.get(sessionId)?.status === 'verified',
    60_000,
  );
  const otEvents = (): AuditEvent[] => [
    ...(s.audit.siteEvents.otChain(SITE)?.page(0, Number.MAX_SAFE_INTEGER, 10_000) ?? []),
  ];
  await waitFor(
    'the OT session end ingested',
    () => otEvents().some((e) => e.action === 'session.end' && e.details.sessionId === sessionId),
    30_000,
  );
  return { ran, sessionId, grantId, otEvents };
}
