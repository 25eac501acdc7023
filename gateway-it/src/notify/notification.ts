/**
 * What the access services announce to the outside (a plant hooks mail or chat to the webhook):
 * request created, approved, denied, grant revoked, and break-glass. A notification carries names
 * and times only, never a secret. Sending is fire-and-forget for the caller: the action has
 * already been committed and audited; delivery is retried and audited by the notifier.
 */
export const NOTIFICATION_EVENTS = ['request.created', 'request.approved', 'request.denied', 'grant.revoked', 'break_glass'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export interface Notification {
  readonly event: NotificationEvent;
  readonly site: string;
  readonly requestId: string | null;
  readonly grantId: string | null;
  /** Who the request or grant is for. */
  readonly user: string;
  /** Who acted (the requester, an approver, a revoker). */
  readonly actor: string;
  readonly assets: readonly { readonly asset: string; readonly profile: string }[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly breakGlass: boolean;
  readonly comment: string | null;
  /** The people who should hear of it: the site's OT owners (and the requester for decisions). */
  readonly recipients: readonly string[];
}

export interface Notifier {
  notify(n: Notification): void;
}

/** When no webhook is configured. */
export const noNotifications: Notifier = { notify: () => undefined };
