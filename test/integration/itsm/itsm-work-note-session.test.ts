/**
 * Closing the loop through a real session: a request checked with the webhook connector (the
 * stand-in on loopback), approved, used with the OpenSSH client through both gateways to a real
 * sshd, then revoked; the work note reaches the ticket with who, what, when and the counts the site
 * recorded, and never the command text or the credentials.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { writeSecretFile } from '../../../shared/src/crypto/key-file.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { startItsmStandIn } from '../../../image/demo/itsm/itsm-standin.js';
import { SITE } from '../../helpers/link-fixture.js';
import { startSshChain, keyLogin } from '../../helpers/ssh-chain.js';
import { waitFor } from '../../helpers/wait-for.js';

useCrypto();

test(
  'after a session through both gateways, revoking the grant writes the work note to the ticket',
  { timeout: 180_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const token = randomBytes(16).toString('hex');
    const now = Date.now();
    const itsm = await startItsmStandIn({
      records: [
        {
          number: 'CHG0000500',
          state: 'Implement',
          assignedTo: 'alice',
          start: new Date(now - 3_600_000).toISOString(),
          end: new Date(now + 6 * 3_600_000).toISOString(),
          ci: 'HMI-1',
          affectedCis: ['PLC-1'],
        },
      ],
      credentials: { token },
      webhookAllowedStates: ['Implement'],
    });
    t.after(() => itsm.close());
    const credentialsFile = join(dir, 'itsm.json');
    writeSecretFile(credentialsFile, Buffer.from(JSON.stringify({ token })));
    const chain = await startSshChain(t, {
      itsm: {
        connectors: {
          hook: { type: 'webhook', url: itsm.webhookUrl, credentialsFile, timeoutMs: 5000 },
        },
      },
      itsmSite: {
        connector: 'hook',
        allowedStates: ['Implement'],
        assetCis: { 'hmi-1': 'HMI-1', 'plc-1': 'PLC-1' },
      },
      ticketRef: 'CHG0000500',
    });
    const s = chain.it.gw.services;
    const request = s.store.requests.get(s.store.grants.get(chain.grantId)?.requestId ?? '');
    assert.ok(request);
    assert.deepEqual(
      s.itsm.checks.views(request.id).map((c) => `${c.stage}:${c.outcome}`),
      ['request:verified', 'approval:verified'],
    );

    const { alice, olga } = chain.users;
    const ctl = join(chain.dir, 'ctl-itsm');
    chain.answers(alice);
    const master = await chain.run('ssh', [
      ...chain.baseOptions(),
      '-p',
      String(chain.sshPort),
      ...keyLogin(alice),
      '-M',
      '-S',
      ctl,
      '-o',
      'ControlPersist=yes',
      '-f',
      '-N',
      'alice:hmi-1@127.0.0.1',
    ]);
    assert.equal(master.code, 0, master.stderr);
    t.after(() =>
      chain.run('ssh', ['-F', '/dev/null', '-S', ctl, '-O', 'exit', 'x']).then(() => undefined),
    );
    const mux = [...chain.baseOptions(), '-o', `ControlPath=${ctl}`, '-o', 'ControlMaster=no'];
    for (const cmd of ['echo first-secret-looking-text', 'uname -s']) {
      const r = await chain.run('ssh', [...mux, 'alice:hmi-1@127.0.0.1', cmd]);
      assert.equal(r.code, 0, r.stderr);
    }
    await waitFor('both commands ingested from the site', () =>
      s.store.otAudit
        .grantActivity(SITE, chain.grantId)
        .some((a) => a.action === 'ssh.command' && a.n >= 2),
    );
    await s.access.grants.revoke(olga.user, chain.grantId, 'work done');
    const [note] = await itsm.waitForNotes(1);
    assert.ok(note);
    assert.equal(note.ticket, 'CHG0000500');
    assert.equal(note.via, 'webhook');
    const lines = note.text.split('\n');
    assert.equal(
      lines[0],
      `Airlock: access under CHG0000500 has ended (grant ${chain.grantId}, site ${SITE}).`,
    );
    assert.equal(lines[1], 'Who: alice');
    assert.equal(
      lines[2],
      'What: hmi-1 (ssh, profile maintenance), plc-1 (modbus, profile read-only)',
    );
    assert.match(lines[3] ?? '', /^Granted: \S+ to \S+; ended \S+ \(revoked by olga\)$/);
    assert.match(lines[4] ?? '', /^Sessions: [1-9]\d*, from \S+ to \S+$/);
    assert.equal(lines[5], 'Commands: 2; writes: 0; refusals: 0');
    // The link is built from http.publicUrl (unset here: the listen address) and the record's path.
    assert.match(lines[6] ?? '', new RegExp(`^Record: https://\\S+/requests/${request.id}$`));
    assert.ok(!note.text.includes('first-secret-looking-text'), 'no command text');
    assert.ok(!note.text.includes(token), 'no credential');
    await s.itsm.idle();
    const audited = chain.audit('itsm.work_note');
    assert.deepEqual(
      audited.map((e) => [e.outcome, e.details['ticket']]),
      [['success', 'CHG0000500']],
    );
  },
);
