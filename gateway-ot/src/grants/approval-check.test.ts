import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionTicket } from '../../../shared/src/model/session-ticket.js';
import type { ApprovalPolicy } from '../policy/policy.js';
import { checkApprovals } from './approval-check.js';

const ticket: SessionTicket = {
  v: 1,
  sessionId: 'ses_1',
  grantId: 'grt_1',
  user: { id: 'usr_1', name: 'alice' },
  site: 'plant-1',
  asset: 'plc-1',
  protocol: 'modbus',
  profile: 'read-only',
  channel: 'tcp-forward',
  grantNotBefore: 0,
  grantNotAfter: 1,
  approvers: ['olga', 'olga'],
  breakGlass: false,
  nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
  issuedAt: 0,
  expiresAt: 1,
};

test('approval check: break-glass, it-signed and owner-signed quorum, table-driven', () => {
  const itQ2: ApprovalPolicy = { mode: 'it-signed', quorum: 2 };
  const owner: ApprovalPolicy = { mode: 'owner-signed', quorum: 2, breakGlassAssets: ['plc-2'] };
  const cases: [string, SessionTicket, ApprovalPolicy, string[], string | null][] = [
    ['it-signed, no floor', ticket, { mode: 'it-signed' }, [], null],
    ['it-signed, duplicates count once', ticket, itQ2, [], 'approval.below_quorum'],
    ['it-signed, quorum met', { ...ticket, approvers: ['olga', 'otto'] }, itQ2, [], null],
    ['owner-signed, nothing verified', ticket, owner, [], 'approval.unsigned'],
    ['owner-signed, one owner twice', ticket, owner, ['olga', 'olga'], 'approval.below_quorum'],
    ['owner-signed, two owners', ticket, owner, ['olga', 'otto'], null],
    [
      'owner-signed ignores IT-listed approvers',
      { ...ticket, approvers: ['a', 'b'] },
      owner,
      [],
      'approval.unsigned',
    ],
    [
      'break-glass where not allowed',
      { ...ticket, breakGlass: true },
      owner,
      [],
      'approval.break_glass_not_allowed',
    ],
    ['break-glass where allowed', { ...ticket, asset: 'plc-2', breakGlass: true }, owner, [], null],
    [
      'break-glass, owner-signed default: none',
      { ...ticket, breakGlass: true },
      { mode: 'owner-signed' },
      [],
      'approval.break_glass_not_allowed',
    ],
    [
      'break-glass, it-signed default: allowed',
      { ...ticket, breakGlass: true },
      { mode: 'it-signed' },
      [],
      null,
    ],
  ];
  for (const [name, t, p, owners, code] of cases) {
    const v = checkApprovals(t, p, { owners, problems: [] });
    assert.equal(v.ok ? null : v.code, code, name);
  }
});
