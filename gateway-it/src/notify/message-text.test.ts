import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import { emailAudience } from './audiences.js';
import { slackBody } from './chat-formats.js';
import { derivedNotification } from './derived-notices.js';
import { noticeText, portalPath, siteClock } from './message-text.js';
import { NOTIFICATION_EVENTS, type Notification } from './notification.js';

const base: Notification = {
  event: 'request.created',
  site: 'plant-1',
  requestId: 'req_1',
  grantId: null,
  user: 'alice',
  actor: 'alice',
  assets: [{ asset: 'hmi-1', profile: 'maintenance' }],
  startsAt: Date.UTC(2026, 2, 29, 0, 30),
  endsAt: Date.UTC(2026, 2, 29, 1, 30),
  breakGlass: false,
  comment: null,
  recipients: ['olga', 'alice', 'oscar'],
};

test('site time names the zone and follows DST (Berlin, the night the clocks go forward)', () => {
  assert.equal(siteClock(base.startsAt, 'Europe/Berlin'), '2026-03-29 01:30 Europe/Berlin');
  assert.equal(siteClock(base.endsAt, 'Europe/Berlin'), '2026-03-29 03:30 Europe/Berlin');
});

test('every kind has words and a portal page that is a page, never an action', () => {
  for (const event of NOTIFICATION_EVENTS) {
    const n = { ...base, event, grantId: 'grt_1', sessionId: 'ses_1' };
    const t = noticeText(n, 'Europe/Berlin', 'https://airlock.example:8443/');
    assert.ok(t.subject.length > 0 && t.subject.length < 200, event);
    assert.ok(t.url.startsWith('https://airlock.example:8443/'), event);
    assert.doesNotMatch(
      t.url,
      /decision|approve|deny|refuse|playback-requests|cast|token|\?/,
      event,
    );
    assert.equal(t.lines.at(-1), `Open in the portal (log in as usual): ${t.url}`);
  }
  assert.equal(portalPath(base), '/requests/req_1');
  assert.equal(portalPath({ ...base, event: 'review.held' }), '/reviews');
});

test('e-mail goes to those who decide, never to the person who asked; decisions to the requester only', () => {
  assert.deepEqual(emailAudience(base), ['olga', 'oscar']);
  assert.deepEqual(emailAudience({ ...base, event: 'request.approved', actor: 'olga' }), ['alice']);
  assert.deepEqual(emailAudience({ ...base, event: 'grant.ending' }), ['alice']);
  assert.deepEqual(emailAudience({ ...base, event: 'break_glass' }), ['olga', 'oscar']);
});

test('a held line becomes a notice to the other OT owners without the line itself', () => {
  const e: AuditEvent = {
    seq: 5,
    id: 'evt_5',
    time: Date.UTC(2026, 0, 1, 12),
    actor: 'gateway:plant-1',
    action: 'review.request',
    site: 'plant-1',
    target: 'hmi-1',
    outcome: 'success',
    details: {
      requester: 'oscar',
      sessionId: 'ses_9',
      line: 'mysql -pHunter2 plant',
      expiresAt: Date.UTC(2026, 0, 1, 12, 2),
    },
    prevHash: 'p',
    hash: 'h',
  };
  const n = derivedNotification(e, {
    owners: () => ['olga', 'oscar'],
    auditors: () => ['audrey'],
    recording: () => undefined,
  });
  assert.ok(n);
  assert.equal(n.event, 'review.held');
  assert.deepEqual(n.recipients, ['olga']);
  const t = noticeText(n, 'UTC', 'https://a');
  assert.ok(!JSON.stringify({ n, t }).includes('Hunter2'), 'the held line may hold a secret');
  assert.match(t.lines.join('\n'), /denied automatically at 2026-01-01 12:02 UTC/);
  assert.equal(
    derivedNotification(
      { ...e, outcome: 'denied' },
      { owners: () => [], auditors: () => [], recording: () => undefined },
    ),
    undefined,
  );
});

test('Slack text cannot open a link or mention anyone: <, > and & are escaped', () => {
  const t = noticeText(
    { ...base, comment: '<!channel> <https://evil|click>', event: 'request.approved' },
    'UTC',
    'https://a',
  );
  const body = JSON.parse(slackBody(t)) as { blocks: { text?: { text: string } }[] };
  assert.match(body.blocks[1]?.text?.text ?? '', /&lt;!channel&gt; &lt;https:\/\/evil\|click&gt;/);
});

test('a playback request becomes a notice to the OT owners and auditors of the site but the requester', () => {
  const e: AuditEvent = {
    seq: 9,
    id: 'evt_9',
    time: Date.UTC(2026, 0, 1, 12),
    actor: 'audrey',
    action: 'recording.play_request',
    site: 'plant-1',
    target: 'hmi-1',
    outcome: 'success',
    details: { requestId: 'prq_1', sessionId: 'ses_4', user: 'alice', reason: 'incident 42' },
    prevHash: 'p',
    hash: 'h',
  };
  const n = derivedNotification(e, {
    owners: () => ['olga'],
    auditors: () => ['audrey', 'arne'],
    recording: () => ({ asset: 'hmi-1', startedAt: Date.UTC(2026, 0, 1, 9) }),
  });
  assert.ok(n);
  assert.deepEqual(
    [n.event, n.user, n.recipients, n.sessionId],
    ['playback.requested', 'audrey', ['olga', 'arne'], 'ses_4'],
  );
  assert.deepEqual(emailAudience(n), ['olga', 'arne']);
  const t = noticeText(n, 'Europe/Berlin', 'https://a');
  assert.equal(t.subject, 'Playback waits for a second approver: audrey at plant-1');
  assert.equal(t.url, 'https://a/sites/plant-1/playback');
});
