/**
 * Who is told what by e-mail: decisions and a grant's end go to its holder only; what waits for a
 * decision (a request, a held command, a playback) goes to those who may decide it, never to the
 * person who asked; alerts go to the site's OT owners. A person gets a kind only if they chose it
 * in their settings (the dispatcher checks). Chat webhooks are per site and get every kind.
 */
import type { Notification, NotificationEvent } from './notification.js';

/** The kinds a person may choose to get by e-mail, with the words the settings page shows. */
export const EMAIL_KINDS: readonly { readonly event: NotificationEvent; readonly label: string }[] =
  [
    { event: 'request.created', label: 'a request waits for my approval' },
    { event: 'request.approved', label: 'my request was approved' },
    { event: 'request.denied', label: 'my request was denied' },
    { event: 'grant.ending', label: 'my access ends soon' },
    { event: 'grant.revoked', label: 'my access was revoked' },
    { event: 'review.held', label: 'a command line waits for my review' },
    { event: 'playback.requested', label: 'a playback waits for my approval' },
    { event: 'break_glass', label: 'break-glass was started at my site' },
    { event: 'ot.alert', label: 'an OT alert at my site' },
    { event: 'itsm.unverified', label: 'a request went on with an unverified ticket' },
  ];

export const isEmailKind = (k: string): k is NotificationEvent =>
  EMAIL_KINDS.some((e) => e.event === k);

export function emailAudience(n: Notification): string[] {
  const others = n.recipients.filter((r) => r !== n.user);
  switch (n.event) {
    case 'request.approved':
    case 'request.denied':
    case 'grant.ending':
    case 'grant.revoked':
      return [n.user];
    case 'request.created':
    case 'review.held':
    case 'playback.requested':
    case 'break_glass':
    case 'itsm.unverified':
      return [...new Set(others)];
    case 'ot.alert':
      return [...new Set(n.recipients)];
    default: {
      const never: never = n.event;
      return never;
    }
  }
}
