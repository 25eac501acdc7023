/**
 * Refused SSH requests cannot be amplified into audit rows and terminal lines: an ssh2 client
 * that sends 2,000 `env` requests before its exec gets its command run, five notices and one line
 * saying how many more were refused, and one `ssh.request_deny` event with the count; 50 refused
 * remote forwards on the connection are one event when it closes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { startSshChain } from '../../helpers/ssh-chain.js';
import { waitFor } from '../../helpers/wait-for.js';

test('refused requests are capped and aggregated', { timeout: 120_000 }, async (t) => {
  const chain = await startSshChain(t);
  const { alice } = chain.users;
  chain.answers(alice, { recoveryCode: alice.recoveryCodes[0] ?? '' });
  const code = readFileSync(join(chain.dir, 'answer-code'), 'utf8').trim();
  const expected = chain.it.running.ssh?.publicKey.split(' ')[1] ?? '';
  const client = new ssh2.Client();
  t.after(() => client.end());
  await new Promise<void>((resolve, reject) => {
    client.on('ready', resolve).on('error', reject);
    client.on('keyboard-interactive', (_n, _i, _l, _p, finish) => finish([code]));
    client.connect({
      host: '127.0.0.1',
      port: chain.sshPort,
      username: 'alice:hmi-1',
      privateKey: readFileSync(alice.keyFile ?? ''),
      tryKeyboard: true,
      hostVerifier: (key: Buffer) => key.toString('base64') === expected,
      readyTimeout: 0, // no handshake timer to race on a loaded machine: the test's timeout bounds it
    });
  });
  const denies = () => chain.audit('ssh.request_deny');

  // ssh2 sends one `env` request per variable before the exec.
  const env = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`V${i}`, 'x']));
  const channel = await new Promise<ssh2.ClientChannel>((resolve, reject) =>
    client.exec('echo ran', { env }, (e, ch) => (e ? reject(e) : resolve(ch))),
  );
  let out = '';
  let err = '';
  channel.on('data', (d: Buffer) => (out += d.toString()));
  channel.stderr.on('data', (d: Buffer) => (err += d.toString()));
  // A channel can close without an exit status (a session cut short): the close is what is awaited.
  let status: unknown;
  channel.on('exit', (code: unknown) => (status = code));
  await new Promise((resolve) => channel.on('close', resolve));
  assert.equal(status, 0, `stdout ${out}, stderr ${err.slice(0, 2000)}`);
  assert.equal(out, 'ran\n');
  const lines = err.trimEnd().split('\n');
  assert.equal(lines.length, 6, err);
  assert.match(lines[0] ?? '', /environment variable V0 is not passed on/);
  assert.match(lines[5] ?? '', /1995 more requests were refused/);
  await waitFor('the refusal event', () => denies().length === 1);
  const [event] = denies();
  assert.equal(event?.details['request'], 'env');
  assert.equal(event?.details['count'], 2000);
  assert.deepEqual(
    (event?.details['requests'] as { name: string }[]).map((r) => r.name),
    ['V0', 'V1', 'V2', 'V3', 'V4'],
  );

  // Remote forwarding, 50 times on the connection: one event when the connection ends.
  const forwards = Array.from(
    { length: 50 },
    (_, i) =>
      new Promise<boolean>((resolve) =>
        client.forwardIn('127.0.0.1', 40_000 + i, (e) => resolve(e !== undefined)),
      ),
  );
  assert.ok((await Promise.all(forwards)).every((refused) => refused));
  client.end();
  await waitFor('the forwarding event', () => denies().length === 2);
  assert.deepEqual(
    [denies()[1]?.details['request'], denies()[1]?.details['count']],
    ['tcpip-forward', 50],
  );
});
