/**
 * The plant side of the audit event catalogue (catalogue.ts holds the rest and the one exported
 * list): sessions, SSH, Modbus, OPC UA, vault, the OT policy lifecycle, the audit itself and
 * discovery, AL5xx–AL11xx. Same rules as there: codes are stable and never reused.
 */
export interface AuditEventSpec {
  readonly code: string;
  readonly description: string;
}

export const PLANT_EVENTS = {
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
