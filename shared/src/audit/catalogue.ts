/**
 * The audit event catalogue: every action either gateway may record, in one place. Names are
 * `noun.verb` (Teleport's convention); codes are stable, grouped by area, and never reused, so a
 * SIEM rule written against a code keeps working when descriptions change. Adding an event means
 * adding it here; the audit log refuses names that are not listed.
 */
export interface AuditEventSpec {
  readonly code: string;
  readonly description: string;
}

export const AUDIT_EVENTS = {
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

  // sessions (AL5xx)
  'session.start': { code: 'AL501', description: 'a brokered session started' },
  'session.end': { code: 'AL502', description: 'a brokered session ended (with reason)' },
  'session.deny': {
    code: 'AL503',
    description: 'a session was refused (no grant, expired, outside window, lockdown, policy)',
  },
  'session.terminate': { code: 'AL504', description: 'an OT owner or admin ended a live session' },
  'session.watch': {
    code: 'AL505',
    description: 'a supervisor started or stopped watching a live session',
  },
  'session.warn': {
    code: 'AL506',
    description: 'the operator was warned that the grant is about to end',
  },

  // SSH (AL6xx)
  'ssh.command': { code: 'AL601', description: 'a command or line was run (exec or interactive)' },
  'ssh.command_deny': { code: 'AL602', description: 'a command was refused by the filter' },
  'ssh.command_review': {
    code: 'AL603',
    description: 'a command was held for live review, then allowed or denied',
  },
  'ssh.command_alert': { code: 'AL604', description: 'a command matched an alert rule' },
  'ssh.file': { code: 'AL605', description: 'an SFTP or scp file operation' },
  'ssh.forward': { code: 'AL606', description: 'a local port forward was opened or refused' },
  'ssh.host_key_mismatch': {
    code: 'AL607',
    description: 'a target presented a host key other than the pinned one; the session was refused',
  },
  'ssh.request_deny': {
    code: 'AL608',
    description:
      'SSH requests were refused (agent, X11, remote forwarding, env, subsystem): on the IT side one event per channel or connection and flush, with the count and the first few',
  },
  'ssh.target_connect': {
    code: 'AL609',
    description:
      "the OT gateway's SSH connection to a target was set up: address, host key, and the key exchange, host key, cipher, MAC and compression negotiated",
  },
  'ssh.confirm': {
    code: 'AL655',
    description:
      "an SSH login's one-time portal link was confirmed by the key's owner (the key became fresh) or refused (unknown, expired, used, another user)",
  },
  'ssh.confirm_expire': {
    code: 'AL656',
    description: "an SSH login's one-time portal link ran out unconfirmed",
  },
  'ssh.preauth_limit': {
    code: 'AL613',
    description:
      'the SSH endpoint closed connections that had not logged in, over its per-source or total cap (one event per episode, with the count refused)',
  },
  'review.request': {
    code: 'AL610',
    description:
      "the IT gateway received a line held for review by a site and showed it to the site's OT owners",
  },
  'review.decide': {
    code: 'AL611',
    description:
      'an OT owner approved or denied a held line (with comment); refused attempts too (not an owner of the site, own session)',
  },
  'review.close': {
    code: 'AL612',
    description:
      'a held line was closed without a decision at the IT gateway (timed out at the site, session ended, link lost)',
  },
  'recording.close': {
    code: 'AL620',
    description: 'a session recording was closed (with its hash)',
  },
  'recording.play': { code: 'AL621', description: 'a recording was played' },
  'recording.play_request': { code: 'AL622', description: 'four-eyes playback was requested' },
  'recording.play_approve': {
    code: 'AL623',
    description: 'four-eyes playback was approved or refused',
  },
  'recording.receive': {
    code: 'AL630',
    description:
      "a recording shipped by a site was complete at the IT gateway; outcome says whether its size and SHA-256 matched the site's claim and audit chain",
  },

  // Modbus (AL7xx)
  'modbus.write': {
    code: 'AL701',
    description: 'a Modbus write was forwarded (with old and new values when configured)',
  },
  'modbus.deny': {
    code: 'AL702',
    description: 'a Modbus request was refused by policy (with reason and exception code)',
  },
  'modbus.malformed': {
    code: 'AL703',
    description: 'a malformed Modbus frame closed the connection',
  },
  'modbus.reads': {
    code: 'AL704',
    description: 'the number of Modbus reads in a session (at its end)',
  },
  'modbus.timeout': {
    code: 'AL705',
    description: 'the PLC did not answer, or answered wrongly; the client got exception 0B',
  },
  'modbus.deadline': {
    code: 'AL706',
    description:
      'a Modbus connection was closed: a frame did not complete in time, or no request came for the idle limit',
  },

  // OPC UA (AL8xx)
  'opcua.write': {
    code: 'AL801',
    description: 'an OPC UA write was forwarded (with old and new value)',
  },
  'opcua.call': {
    code: 'AL802',
    description: 'an OPC UA method call was forwarded (with arguments and result)',
  },
  'opcua.deny': {
    code: 'AL803',
    description: 'an OPC UA request was refused with BadUserAccessDenied',
  },
  'opcua.malformed': {
    code: 'AL804',
    description: 'a malformed OPC UA message closed the channel',
  },
  'opcua.limit': {
    code: 'AL805',
    description: 'an OPC UA limit (sessions, subscriptions, items, size) was reached',
  },
  'opcua.certificate_mismatch': {
    code: 'AL806',
    description:
      'a plant OPC UA server presented a certificate other than the pinned one; the session was refused',
  },

  // vault (AL9xx)
  'vault.set': { code: 'AL901', description: 'a credential was stored or replaced in the vault' },
  'vault.checkout': { code: 'AL902', description: 'a credential was checked out for a session' },
  'vault.checkin': { code: 'AL903', description: 'a credential was checked in after a session' },
  'vault.rotate': {
    code: 'AL904',
    description: 'a credential rotation finished; outcome says whether the new one was committed',
  },
  'vault.delete': { code: 'AL905', description: 'a credential was removed from the vault' },

  // OT policy lifecycle: learn, review, enforce (AL91x)
  'policy.learn': {
    code: 'AL911',
    description:
      "an OT access profile was put in learn mode until a time (an alert for the site's OT owners)",
  },
  'policy.learn_end': {
    code: 'AL914',
    description:
      'an OT access profile was taken out of learn mode before its window ended (enforce)',
  },
  'policy.propose': {
    code: 'AL912',
    description:
      'a least-privilege profile was proposed from what a profile learned (with its replay result)',
  },
  'policy.apply': {
    code: 'AL913',
    description:
      "a proposed profile was written into the OT policy file (the new file's SHA-256); the profile enforces",
  },

  'policy.reload': {
    code: 'AL918',
    description:
      'the running OT gateway reloaded its policy file (old and new SHA-256); denied: the file was refused and the running policy stays (an alert)',
  },

  // audit itself (AL10xx)
  'audit.search': { code: 'AL1001', description: 'an auditor searched events' },
  'audit.view': { code: 'AL1002', description: 'an auditor viewed an asset/time page or an event' },
  'audit.export': { code: 'AL1003', description: 'a signed export bundle was produced' },
  'audit.forward_fail': {
    code: 'AL1004',
    description: 'forwarding to the SIEM collector failed; events are buffered',
  },
  'audit.download': { code: 'AL1005', description: 'a signed export bundle was downloaded' },
  'audit.export_request': {
    code: 'AL1006',
    description:
      'four-eyes export: approval to export a range that carries recordings was requested (with the reason)',
  },
  'audit.export_approve': {
    code: 'AL1007',
    description:
      'four-eyes export: a request was approved or refused; refused attempts too (own request, no role)',
  },
  'audit.evidence_pack': {
    code: 'AL1008',
    description:
      'an evidence pack for one grant or maintenance window was produced, refused (four eyes, busy) or failed',
  },
  'policy.change': {
    code: 'AL1010',
    description: 'the OT local policy changed (with old and new hash)',
  },
  // discovery at the OT gateway (AL11xx): docs/policy.md, "Discover"
  'discovery.start': {
    code: 'AL1101',
    description:
      'a discovery run started, before any probe: its exact plan (subnets, ports by protocol, unit ids, rate)',
  },
  'discovery.find': {
    code: 'AL1102',
    description:
      'a probed host:port answered: a proposed asset (success, with fingerprint, certificate or unit ids) or garbage (failure, with what was seen)',
  },
  'discovery.finish': {
    code: 'AL1103',
    description:
      'a discovery run ended: every probe counted by outcome (found, garbage, refused, timeout, closed, unreachable)',
  },
  'discovery.deny': {
    code: 'AL1104',
    description:
      'a discovery run or onboarding was refused (no probe scope, target outside it, proposal not onboardable)',
  },
  'asset.onboard': {
    code: 'AL1105',
    description:
      'a discovered asset was added to the OT local policy with its host key or certificate pinned (with the new policy hash)',
  },
} as const satisfies Record<string, AuditEventSpec>;

export type AuditAction = keyof typeof AUDIT_EVENTS;

export function isAuditAction(name: string): name is AuditAction {
  return Object.hasOwn(AUDIT_EVENTS, name);
}

export function auditCode(action: AuditAction): string {
  return AUDIT_EVENTS[action].code;
}
