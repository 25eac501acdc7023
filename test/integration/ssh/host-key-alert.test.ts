/**
 * A target whose host key changed, end to end: the operator's real OpenSSH client goes through both
 * gateways to a real sshd that presents a key other than the one the OT policy pins. The OT gateway
 * refuses before any credential is sent (sshd sees no authentication attempt), audits
 * `ssh.host_key_mismatch` flagged as an alert, the event ships over the link, and once the IT side
 * has ingested it, its webhook carries one signed `ot.alert` to the site's OT owners; ordinary
 * ingested events notify nobody.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeSecretFile } from '../../../shared/src/crypto/key-file.js';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startSshChain, keyLogin } from '../../helpers/ssh-chain.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { waitFor } from '../../helpers/wait-for.js';
import { newHostKey, startSshd } from '../../peers/sshd.js';

useCrypto();

test(
  'a changed target host key refuses the session and alerts the OT owners through the IT webhook',
  { timeout: 120_000 },
  async (t) => {
    const got: { event: string; signature: string; timestamp: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        got.push({
          event: String(req.headers['x-airlock-event']),
          signature: String(req.headers['x-airlock-signature']),
          timestamp: String(req.headers['x-airlock-timestamp']),
          body,
        });
        res.end('ok');
      });
      req.on('error', () => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const secret = randomBytes(32);
    const secretFile = join(makeTempDir(t), 'webhook.key');
    writeSecretFile(secretFile, secret);

    const sshd = await startSshd(t);
    // The policy pins a key recorded "at onboarding"; the target now presents another one.
    const pinned = newHostKey(makeTempDir(t), 'onboarded').publicLine;
    const chain = await startSshChain(t, {
      target: { ...sshd, hostKey: pinned },
      notifications: {
        webhook: {
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
          secretFile,
          timeoutSeconds: 5,
          maxAttempts: 2,
          initialBackoffSeconds: 1,
        },
      },
    });
    const { alice } = chain.users;
    chain.answers(alice);
    const logBefore = sshd.log().length;
    const run = await chain.run('ssh', [
      ...chain.baseOptions(),
      '-p',
      String(chain.sshPort),
      ...keyLogin(alice),
      'alice:hmi-1@127.0.0.1',
      'echo reached',
    ]);
    assert.notEqual(run.code, 0);
    assert.doesNotMatch(run.stdout, /reached/);
    assert.match(run.stderr, /host key/i);
    assert.doesNotMatch(
      sshd.log().slice(logBefore),
      /Failed password|Accepted password|Failed none/,
      'no credential reached the target',
    );

    const alert = await waitFor(
      'the ot.alert webhook',
      () => got.find((g) => g.event === 'ot.alert'),
      30_000,
    );
    assert.equal(
      alert.signature,
      `v1=${createHmac('sha256', secret).update(`${alert.timestamp}.${alert.body}`).digest('hex')}`,
    );
    const body = JSON.parse(alert.body) as {
      site: string;
      recipients: string[];
      user: string;
      alert: Record<string, unknown>;
    };
    assert.equal(body.site, 'plant-1');
    assert.deepEqual(body.recipients, ['olga'], "the site's OT owners");
    assert.equal(body.user, 'alice');
    assert.deepEqual(
      [body.alert['action'], body.alert['code'], body.alert['target'], body.alert['outcome']],
      ['ssh.host_key_mismatch', 'AL607', 'hmi-1', 'denied'],
    );
    assert.match(
      String(body.alert['message']),
      /not the pinned key; refused before any credential was sent/,
    );
    // The event behind it is in the IT copy of the site's chain; the session's other events notified nobody.
    const s = chain.it.gw.services;
    const gatewayId = s.store.gateways.active('plant-1')?.id ?? '';
    const ingested = [...s.store.otAudit.events(gatewayId)];
    assert.equal(
      ingested.find((e) => e.seq === body.alert['seq'])?.action,
      'ssh.host_key_mismatch',
    );
    assert.ok(ingested.length > 3);
    assert.equal(got.filter((g) => g.event === 'ot.alert').length, 1);
  },
);
