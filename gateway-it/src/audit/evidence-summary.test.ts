import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';
import { changeOf, evidenceMembers, packSessions } from './evidence-summary.js';
import type { EvidenceSelection } from './evidence-select.js';
import type { EvidenceSubject } from './evidence-subject.js';

const ev = (
  seq: number,
  action: string,
  details: Record<string, unknown>,
  outcome: AuditEvent['outcome'] = 'success',
): AuditEvent => ({
  seq,
  id: `e${seq}`,
  time: Date.UTC(2026, 5, 1, 10, seq),
  actor: 'alice',
  action,
  site: 'plant-1',
  target: 'asset-1',
  outcome,
  details,
  prevHash: '0'.repeat(64),
  hash: 'f'.repeat(64),
});

test('old → new for Modbus, OPC UA and SSH operations', () => {
  assert.equal(
    changeOf(ev(1, 'modbus.write', { changes: ['HR 40001: 1450 → 1350', 'HR 40002: 7 → 8'] })),
    'HR 40001: 1450 → 1350; HR 40002: 7 → 8',
  );
  assert.equal(
    changeOf(ev(2, 'opcua.write', { node: 'ns=2;s=Pump.Setpoint', oldValue: 42.5, newValue: 40 })),
    'ns=2;s=Pump.Setpoint: 42.5 → 40',
  );
  assert.equal(
    changeOf(ev(3, 'ssh.command', { kind: 'exec', command: 'systemctl restart hmi' })),
    'systemctl restart hmi',
  );
});

test('the summary and the JSON list the grant, signatures, sessions, operations, refusals and policy with their chain events', () => {
  const subject: EvidenceSubject = {
    kind: 'grant',
    id: 'grt-1',
    site: 'plant-1',
    from: Date.UTC(2026, 5, 1, 9),
    to: Date.UTC(2026, 5, 1, 12),
    grants: [
      {
        id: 'grt-1',
        requestId: 'req-1',
        grantee: 'alice',
        notBefore: Date.UTC(2026, 5, 1, 10),
        notAfter: Date.UTC(2026, 5, 1, 11),
        breakGlass: false,
        status: 'expired',
        issuedAt: Date.UTC(2026, 5, 1, 9, 30),
        endedAt: null,
        endedBy: null,
        endReason: null,
        request: {
          requester: 'alice',
          reason: 'retune',
          ticketRef: 'CHG-7',
          createdAt: Date.UTC(2026, 5, 1, 9),
          startsAt: Date.UTC(2026, 5, 1, 10),
          endsAt: Date.UTC(2026, 5, 1, 11),
          requiredApprovals: 1,
        },
        scope: [{ asset: 'plc-1', protocol: 'modbus', profile: 'tuning' }],
        decisions: [
          {
            approver: 'olga',
            decision: 'approve',
            comment: 'ok',
            decidedAt: Date.UTC(2026, 5, 1, 9, 20),
          },
        ],
        ownerSignatures: [
          {
            approverId: 'u-olga',
            approver: 'olga',
            content: {
              site: 'plant-1',
              assets: [{ asset: 'plc-1', profile: 'tuning' }],
              notBefore: 0,
              notAfter: 1,
              requester: { id: 'u-alice', name: 'alice' },
              requestId: 'req-1',
              ticketRef: 'CHG-7',
            },
            assertion: {
              id: 'credential-abcdefghijklmnop',
              rawId: 'credential-abcdefghijklmnop',
              type: 'public-key',
              response: { clientDataJSON: 'e30', authenticatorData: 'AA', signature: 'AA' },
            },
            createdAt: Date.UTC(2026, 5, 1, 9, 20),
          },
        ],
      },
    ],
  };
  const selection: EvidenceSelection = {
    sessionIds: ['ses-1'],
    events: [
      {
        log: 'it',
        role: 'session',
        event: ev(10, 'session.start', { sessionId: 'ses-1', grantId: 'grt-1' }),
      },
      { log: 'ot', role: 'policy', event: ev(4, 'config.load', { policySha256: 'a'.repeat(64) }) },
      {
        log: 'ot',
        role: 'operation',
        event: ev(5, 'modbus.write', { sessionId: 'ses-1', changes: ['HR 40001: 1 → 2'] }),
      },
      {
        log: 'ot',
        role: 'refusal',
        event: ev(
          6,
          'modbus.deny',
          { sessionId: 'ses-1', reason: 'value 1900 above 1600' },
          'denied',
        ),
      },
      {
        log: 'ot',
        role: 'session',
        event: ev(7, 'session.end', { sessionId: 'ses-1', reason: 'closed' }),
      },
    ],
  };
  const sessions = packSessions(selection, (id) => `sessions/${id}/recording/${id}.cast`);
  assert.deepEqual(sessions[0]?.endReason, 'closed');
  const [json, md] = evidenceMembers(subject, selection, sessions, true);
  assert.equal(json?.path, 'evidence/evidence.json');
  const data = JSON.parse(json?.text ?? '{}');
  assert.deepEqual(
    data.operations.map((o: { seq: number; change: string }) => [o.seq, o.change]),
    [[5, 'HR 40001: 1 → 2']],
  );
  assert.equal(data.refusals[0].reason, 'value 1900 above 1600');
  assert.equal(data.policies[0].policySha256, 'a'.repeat(64));
  assert.equal(data.grants[0].ownerSignatures[0].approver, 'olga');
  const text = md?.text ?? '';
  assert.match(
    text,
    /- Owner signatures: olga \(passkey credential-abcde…\) at 2026-06-01T09:20:00.000Z/,
  );
  assert.match(
    text,
    /- Approvals \(1 required\): approve by olga at 2026-06-01T09:20:00.000Z "ok"/,
  );
  assert.match(
    text,
    /- ses-1: alice on asset-1, .* \(closed\); recording: sessions\/ses-1\/recording\/ses-1.cast/,
  );
  assert.match(text, /- \[OT 5\] .* modbus\.write asset-1: HR 40001: 1 → 2/);
  assert.match(text, /- \[OT 6\] .* modbus\.deny: value 1900 above 1600/);
  assert.match(text, /- \[OT 4\] .* config\.load: SHA-256 a{64}/);
});
