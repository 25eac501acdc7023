import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import { reloadNote, type ReloadNoteDeps } from './reload-note.js';

const event = (outcome: string, details: Record<string, unknown>, time = 10): AuditEvent =>
  ({ action: 'policy.reload', outcome, details, time }) as unknown as AuditEvent;

function deps(events: AuditEvent[][]): ReloadNoteDeps & { polls: () => number } {
  let now = 0;
  let polls = 0;
  return {
    events: (from) =>
      (events[Math.min(polls++, events.length - 1)] ?? []).filter((e) => e.time >= from),
    now: () => now,
    sleep: (ms) => {
      now += ms;
      return Promise.resolve();
    },
    polls: () => polls,
  };
}

test('says reloaded once the running gateway audited the reload of that hash', async () => {
  const d = deps([
    [],
    [event('success', { policySha256: 'other' })],
    [event('success', { policySha256: 'abc' })],
  ]);
  assert.equal(await reloadNote(d, 'abc', 0), 'applied; the running gateway reloaded (hash abc)');
  assert.equal(d.polls(), 3);
});

test('says refused when the gateway refused that very file', async () => {
  const d = deps([
    [event('denied', { refusedPolicySha256: 'abc', policySha256: 'old', reason: 'bad key' })],
  ]);
  assert.match(await reloadNote(d, 'abc', 0), /refused it and keeps policy old: bad key/);
});

test('says how to reload when no gateway reloaded within the wait, and ignores older events', async () => {
  const d = deps([[event('success', { policySha256: 'abc' }, 5)]]);
  const note = await reloadNote({ ...d, waitMs: 1000 }, 'abc', 6);
  assert.match(
    note,
    /no running gateway was seen reloading it within 1 s: .*systemctl reload airlock-ot/,
  );
});
