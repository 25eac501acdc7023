/**
 * The audit event catalogue: every action either gateway may record, in one place. Names are
 * `noun.verb` (Teleport's convention); codes are stable, grouped by area, and never reused, so a
 * SIEM rule written against a code keeps working when descriptions change. Adding an event means
 * adding it here or, for sessions, protocols, vault, OT policy, the audit itself and discovery
 * (AL5xx–AL11xx), in catalogue-plant.ts; the audit log refuses names that are not listed.
 */
import { PLANT_EVENTS, type AuditEventSpec } from './catalogue-plant.js';

export type { AuditEventSpec } from './catalogue-plant.js';

const ACCESS_EVENTS = {
  // gateway lifecycle (AL0xx)
  'gateway.start': { code: 'AL001', description: 'a gateway process started' },
  'gateway.stop': { code: 'AL002', description: 'a gateway process stopped cleanly' },
  'config.load': {
    code: 'AL003',
    description: 'configuration or local policy was loaded (with its hash)',
  },
  'firewall.load': {
    code: 'AL004',
    description:
      'the OT host firewall derived from the local policy was loaded or checked (with its hash)',
  },
  'tls.import': {
    code: 'AL005',
    description:
      "an organisation's TLS certificate and key replaced the portal's (with both fingerprints)",
  },
  'backup.create': {
    code: 'AL006',
    description: 'an encrypted backup of state, keys and config was written (with its manifest)',
  },
  'backup.restore': {
    code: 'AL007',
    description: 'state, keys and config were restored from a backup (with where it came from)',
  },
  'gateway.migrate': {
    code: 'AL008',
    description:
      "the database schema was migrated to this version's (with the versions before and after)",
  },

  // authentication (AL1xx)
  'auth.login': {
    code: 'AL101',
    description: 'a login attempt (portal, API or SSH); outcome says whether it succeeded',
  },
  'auth.logout': { code: 'AL102', description: 'a web session or API token ended by the user' },
  'auth.lock': { code: 'AL103', description: 'an account was locked after repeated failures' },
  'auth.unlock': { code: 'AL104', description: 'an account was unlocked (by time or by an admin)' },
  'auth.rate_limit': {
    code: 'AL105',
    description: 'login attempts from a source or for an account were rate limited',
  },
  'auth.session_expire': {
    code: 'AL106',
    description: 'a web session reached its idle or absolute timeout',
  },
  'mfa.enroll': { code: 'AL110', description: 'a user enrolled a TOTP authenticator' },
  'mfa.verify': {
    code: 'AL111',
    description: 'a second factor was checked; outcome says whether it passed',
  },
  'mfa.replay': {
    code: 'AL112',
    description: 'a TOTP code that had already been used was presented again',
  },
  'mfa.recovery_use': { code: 'AL113', description: 'a recovery code was used (and consumed)' },
  'mfa.reset': { code: 'AL114', description: "an admin reset a user's second factor" },
  'passkey.register': {
    code: 'AL130',
    description: 'a user registered a passkey (or the registration was refused, with the reason)',
  },
  'passkey.rename': { code: 'AL131', description: 'a user renamed one of their passkeys' },
  'passkey.revoke': { code: 'AL132', description: 'a passkey was revoked (it no longer logs in)' },
  'passkey.clone_detected': {
    code: 'AL133',
    description:
      "ALERT: a passkey's signature counter went backwards (a cloned authenticator?); the login was refused",
  },
  'token.issue': { code: 'AL120', description: 'an API bearer token was issued' },
  'token.revoke': { code: 'AL121', description: 'an API bearer token was revoked' },

  // users and sites (AL2xx)
  'user.create': { code: 'AL201', description: 'a user account was created' },
  'user.update': {
    code: 'AL202',
    description: 'a user account was changed (roles, contract, break-glass mark, state)',
  },
  'user.disable': { code: 'AL203', description: 'a user account was disabled' },
  'user.password_change': { code: 'AL204', description: 'a password was set or changed' },
  'user.key_add': { code: 'AL205', description: 'an SSH public key was registered' },
  'user.key_remove': { code: 'AL206', description: 'an SSH public key was removed' },
  'setup.code_issue': {
    code: 'AL207',
    description:
      'a one-time set-up code for the first admin was issued (shown on the console; the code itself is not recorded)',
  },
  'setup.complete': {
    code: 'AL208',
    description: 'the first admin was created with the set-up code; the code is spent',
  },
  'setup.refuse': {
    code: 'AL209',
    description: 'a set-up attempt was refused (wrong or spent code, or set-up already done)',
  },
  'scim.group_change': {
    code: 'AL250',
    description:
      'an identity provider created, changed or deleted a SCIM group (members added and removed)',
  },
  'scim.user_delete': {
    code: 'AL251',
    description:
      'an identity provider deleted a SCIM user: the account was disabled (leaver) and unbound from SCIM',
  },
  'scim.refuse': {
    code: 'AL252',
    description: 'a SCIM request was refused for a missing or wrong bearer token',
  },
  'site.create': { code: 'AL210', description: 'a site was created' },
  'site.update': { code: 'AL211', description: "a site's settings were changed" },
  'site.enroll_token': { code: 'AL212', description: 'an enrollment token was issued for a site' },
  'site.enroll': {
    code: 'AL213',
    description: 'an OT gateway enrolled for a site (or the attempt was refused)',
  },
  'site.revoke': { code: 'AL214', description: "a site's OT gateway was revoked" },
  'site.lockdown': {
    code: 'AL215',
    description: 'a site was locked down (IT portal or OT local command)',
  },
  'site.lockdown_lift': { code: 'AL216', description: 'a site lockdown was lifted' },
  'site.catalogue': {
    code: 'AL217',
    description: "a site's asset catalogue was published or updated",
  },

  // the IT<->OT link (AL3xx)
  'link.connect': {
    code: 'AL301',
    description: "an OT gateway's control link was authenticated and opened",
  },
  'link.disconnect': { code: 'AL302', description: 'a control link closed' },
  'link.refuse': {
    code: 'AL303',
    description:
      'a link connection or proof was refused (unknown, revoked, replayed, bad signature)',
  },
  'link.violation': {
    code: 'AL304',
    description: 'a link frame failed validation or exceeded the size limit; the link was closed',
  },
  'link.ingest': {
    code: 'AL305',
    description: 'a batch of OT audit events was ingested and chain-verified',
  },
  'link.ingest_fail': {
    code: 'AL306',
    description: 'OT audit events failed chain verification and were not ingested',
  },

  // requests, approvals, grants (AL4xx)
  'request.create': { code: 'AL401', description: 'an access request was made' },
  'request.approve': {
    code: 'AL402',
    description: 'an OT owner approved a request (with comment)',
  },
  'request.deny': { code: 'AL403', description: 'an OT owner denied a request (with comment)' },
  'request.cancel': { code: 'AL404', description: 'the requester withdrew a request' },
  'request.expire': {
    code: 'AL405',
    description: 'a pending request reached its end without enough approvals',
  },
  'request.reevaluate': {
    code: 'AL406',
    description:
      "a pending request was re-evaluated after its site's required approvals changed (granted, still pending, or flagged as unreachable)",
  },
  'grant.issue': { code: 'AL410', description: 'a request became a grant' },
  'grant.revoke': { code: 'AL411', description: 'a grant was revoked' },
  'grant.expire': { code: 'AL412', description: 'a grant reached its end' },
  'grant.break_glass': {
    code: 'AL413',
    description: 'an emergency grant was taken without approval',
  },
  'grant.review': {
    code: 'AL414',
    description: 'an OT owner reviewed a break-glass grant after the fact',
  },
  'window.create': { code: 'AL420', description: 'a maintenance window was defined' },
  'window.delete': { code: 'AL421', description: 'a maintenance window was removed' },
  'schedule.create': { code: 'AL422', description: 'a vendor job schedule was defined' },
  'schedule.delete': { code: 'AL423', description: 'a vendor job schedule was removed' },
  'ticket.issue': { code: 'AL430', description: 'the IT gateway signed a session ticket' },
  'ticket.verify': {
    code: 'AL431',
    description: 'the OT gateway checked a session ticket; outcome says whether it was accepted',
  },
  'notify.send': {
    code: 'AL440',
    description: 'a notification (webhook, site chat webhook or e-mail) was delivered or failed',
  },
  'notify.settings': {
    code: 'AL445',
    description: "a person's e-mail address or the notices they get by e-mail were changed",
  },
  'notify.webhook': {
    code: 'AL446',
    description: "a site's chat webhook was added or removed (by host; the URL is a credential)",
  },
  'itsm.check': {
    code: 'AL450',
    description:
      "a ticket was checked against the site's ITSM (request or approval time); outcome: verified, unverified (allowed and flagged) or refused, with the record's key fields",
  },
  'itsm.configure': { code: 'AL451', description: "a site's ITSM settings were set or removed" },
  'itsm.work_note': {
    code: 'AL452',
    description: "a work note was written to a grant's ticket when the grant ended, or failed",
  },
  'access.deny': {
    code: 'AL460',
    description:
      'a signed-in user was refused a privileged action at the portal or API (403), or asked for an object hidden from them (404); details carry the refusal code, route and source',
  },
  'owner.enroll_start': {
    code: 'AL470',
    description: "an OT-side enrollment of an owner's passkey was started (one-time code printed)",
  },
  'owner.enroll': {
    code: 'AL471',
    description:
      "the OT gateway verified and stored an owner's passkey, or refused an enrollment (with reason)",
  },
  'owner.remove': { code: 'AL472', description: "an OT owner's passkeys were removed OT-side" },
  'owner.enroll_relay': {
    code: 'AL473',
    description:
      "the IT portal relayed an OT owner's passkey registration to the site, with the site's answer, or refused it",
  },
  'site.approvals': {
    code: 'AL474',
    description:
      'a site published a changed approval mode (it-signed / owner-signed, quorum, break-glass assets) or set of enrolled owners',
  },
  'approval.assertion': {
    code: 'AL475',
    description:
      "the IT portal refused an OT owner's passkey assertion for an approval at an owner-signed site (missing, wrong challenge, expired, unknown credential)",
  },
} as const satisfies Record<string, AuditEventSpec>;

/** Every event either gateway may record: the access side (AL0xx–AL4xx) and the plant side. */
export const AUDIT_EVENTS = { ...ACCESS_EVENTS, ...PLANT_EVENTS } as const;

export type AuditAction = keyof typeof AUDIT_EVENTS;

export function isAuditAction(name: string): name is AuditAction {
  return Object.hasOwn(AUDIT_EVENTS, name);
}

export function auditCode(action: AuditAction): string {
  return AUDIT_EVENTS[action].code;
}
