/**
 * What the gateway announces to people (by e-mail, chat webhooks, the generic webhook): request
 * created (waiting for approval), approved, denied, grant revoked, break-glass, a grant ending soon
 * (`grant.ending`), a command line held for an OT owner's review (`review.held`), a playback waiting
 * for a second person's approval (`playback.requested`); and `ot.alert`, an OT
 * gateway's event flagged as an alert (a changed host key, a failed rotation), once ingested;
 * `itsm.unverified`, a request going on although the ITSM could not check its ticket. A notification carries names
 * and times only, never a secret. Sending is fire-and-forget for the caller: the action has
 * already been committed and audited; delivery is retried and audited by the notifier.
 */
export const NOTIFICATION_EVENTS = [
  'request.created',
  'request.approved',
  'request.denied',
  'grant.revoked',
  'break_glass',
  'ot.alert',
  'itsm.unverified',
  'grant.ending',
  'review.held',
  'playback.requested',
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** The OT event behind an `ot.alert`: what happened where, in the site's own audit chain (no secret is ever in it). */
export interface OtAlert {
  readonly action: string;
  /** The catalogue code (`AL607`, ...), for receivers' rules. */
  readonly code: string;
  /** Position in the site's chain (find it with the audit search). */
  readonly seq: number;
  readonly outcome: string;
  readonly target: string | null;
  readonly reason: string | null;
  readonly message: string | null;
  readonly time: number;
}

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
  /** Set on `ot.alert` only. */
  readonly alert?: OtAlert;
  /** The session a `review.held` or `playback.requested` is about. */
  readonly sessionId?: string;
}

export interface Notifier {
  notify(n: Notification): void;
}

/** When no webhook is configured. */
export const noNotifications: Notifier = { notify: () => undefined };
