/**
 * What a person reads in a notice, whatever the channel: a subject line, a few lines of text that
 * name the site, assets, people and times (in the site's zone, named), and the portal page to
 * visit. The page is a plain link to the portal, where the person logs in as usual: never a link
 * that approves, denies or plays anything by itself.
 *
 * Guarantees: only names, times, the request or grant id and the page go in; never a password,
 * key, code, ticket or command line (a held line may hold a secret: the review page shows it to
 * OT owners after login). Comments people typed (a justification, a decision's comment) are
 * quoted, cut to 300 characters.
 */
import type { Notification } from './notification.js';

export interface NoticeText {
  readonly subject: string;
  /** Plain-text lines, the last one the portal page. */
  readonly lines: readonly string[];
  /** The absolute URL of the portal page to visit. */
  readonly url: string;
}

/** `2026-06-01 10:00 Europe/Berlin` */
export function siteClock(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(ms);
  const p = (t: string): string => parts.find((x) => x.type === t)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')} ${timeZone}`;
}

/** The portal page a notice points to (a page behind login, never an action). */
export function portalPath(n: Notification): string {
  switch (n.event) {
    case 'request.created':
    case 'request.approved':
    case 'request.denied':
    case 'itsm.unverified':
      return n.requestId === null ? '/inbox' : `/requests/${n.requestId}`;
    case 'grant.revoked':
    case 'grant.ending':
    case 'break_glass':
      return n.grantId === null ? '/' : `/grants/${n.grantId}`;
    case 'review.held':
      return '/reviews';
    case 'playback.requested':
      return `/sites/${n.site}/playback`;
    case 'ot.alert':
      return `/sites/${n.site}`;
    default: {
      const never: never = n.event;
      return never;
    }
  }
}

const assetList = (n: Notification): string =>
  n.assets.length === 0
    ? n.site
    : n.assets.map((a) => (a.profile === '' ? a.asset : `${a.asset} (${a.profile})`)).join(', ');

const quoted = (c: string | null): string[] =>
  c === null || c === '' ? [] : [`Comment: "${c.slice(0, 300)}"`];

function subjectAndBody(n: Notification, tz: string): [string, string[]] {
  const when = `${siteClock(n.startsAt, tz)} → ${siteClock(n.endsAt, tz)}`;
  const where = `${assetList(n)} at ${n.site}`;
  switch (n.event) {
    case 'request.created':
      return [
        `Access request by ${n.user} waits for your approval: ${where}`,
        [`${n.user} asks for access to ${where}.`, `Window: ${when}.`],
      ];
    case 'request.approved':
      return [
        `Your access request was approved: ${where}`,
        [
          `${n.actor} approved ${n.user}'s access to ${where}.`,
          `Window: ${when}.`,
          ...quoted(n.comment),
        ],
      ];
    case 'request.denied':
      return [
        `Your access request was denied: ${where}`,
        [`${n.actor} denied ${n.user}'s access to ${where}.`, ...quoted(n.comment)],
      ];
    case 'grant.revoked':
      return [
        `Access revoked: ${n.user} at ${n.site}`,
        [`${n.actor} revoked ${n.user}'s grant for ${where}.`, ...quoted(n.comment)],
      ];
    case 'grant.ending':
      return [
        `Your access ends at ${siteClock(n.endsAt, tz)}: ${where}`,
        [
          `${n.user}'s grant for ${where} ends at ${siteClock(n.endsAt, tz)}.`,
          'Sessions are ended then; ask for a new window in the portal if the work goes on.',
        ],
      ];
    case 'break_glass':
      return [
        `BREAK-GLASS at ${n.site}: ${n.user} took emergency access`,
        [
          `${n.user} started break-glass access to ${where}.`,
          `Window: ${when}.`,
          ...quoted(n.comment),
        ],
      ];
    case 'review.held':
      return [
        `Command held for your review: ${n.user} on ${where}`,
        [
          `A command line typed by ${n.user} on ${where} is held for an OT owner's review.`,
          `It is denied automatically at ${siteClock(n.endsAt, tz)} unless someone decides.`,
        ],
      ];
    case 'playback.requested':
      return [
        `Playback waits for a second approver: ${n.user} at ${n.site}`,
        [
          `${n.user} asks to play the recording of session ${n.sessionId ?? '?'} at ${n.site}.`,
          ...quoted(n.comment),
        ],
      ];
    case 'ot.alert':
      return [
        `OT alert at ${n.site}: ${n.alert?.action ?? 'event'} on ${n.alert?.target ?? n.site}`,
        [
          `${n.site} reported ${n.alert?.action ?? 'an event'} (${n.alert?.outcome ?? '?'}) at ${siteClock(n.startsAt, tz)}.`,
          ...(n.alert?.reason == null ? [] : [`Reason: ${n.alert.reason}`]),
          ...(n.alert?.message == null ? [] : [`Message: ${n.alert.message}`]),
        ],
      ];
    case 'itsm.unverified':
      return [
        `Request ${n.requestId ?? ''} went on with an unverified ticket at ${n.site}`,
        [
          `The ITSM could not check the ticket of ${n.user}'s request for ${where}.`,
          ...quoted(n.comment),
        ],
      ];
    default: {
      const never: never = n.event;
      return never;
    }
  }
}

/** The notice in words, with the portal page under `portalUrl` (the gateway's public URL). */
export function noticeText(n: Notification, timeZone: string, portalUrl: string): NoticeText {
  const [subject, body] = subjectAndBody(n, timeZone);
  const url = `${portalUrl.replace(/\/+$/, '')}${portalPath(n)}`;
  return { subject, lines: [...body, `Open in the portal (log in as usual): ${url}`], url };
}
