/**
 * A slow-draining operator (OpenSSH whose standard output is not read for a while) pulls a byte
 * stream larger than several SSH windows through both gateways: the relay stops at the back-pressure
 * (the session's site stream on the IT side is paused), and once the operator reads again the pull
 * completes with every byte intact and in order, exit status 0, and the session ends and is audited.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { waitFor } from '../../helpers/wait-for.js';
import { startSshChain } from '../../helpers/ssh-chain.js';
import { spawnOperatorSsh } from '../../helpers/operator-ssh.js';

const LINES = 3_000_000;

function expectedDigest(): { bytes: number; sha256: string } {
  const h = createHash('sha256');
  let bytes = 0;
  const step = 100_000;
  for (let from = 1; from <= LINES; from += step) {
    let s = '';
    for (let i = from; i < from + step && i <= LINES; i++) s += `${i}\n`;
    bytes += s.length;
    h.update(s);
  }
  return { bytes, sha256: h.digest('hex') };
}

test(
  'a slow-draining operator: the relay holds the site stream, then every byte arrives in order',
  { timeout: 180_000 },
  async (t) => {
    const chain = await startSshChain(t);
    const { alice } = chain.users;
    const s = chain.it.gw.services;
    let stream: { readonly readableFlowing: boolean | null } | undefined;
    s.sessions.live.subscribe((e) => {
      if (e.type === 'started') stream = e.session.stream.stream;
    });
    chain.answers(alice);
    const child = spawnOperatorSsh(
      t,
      chain,
      [...chain.keyOptions(alice), 'alice:hmi-1@127.0.0.1', `seq 1 ${LINES}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    // The operator does not read: the pipe, then the client's window, fill up.
    child.stdout.pause();
    await waitFor(
      'the relay to stop at the back-pressure (site stream paused)',
      () => stream?.readableFlowing === false,
    );

    const got = createHash('sha256');
    let bytes = 0;
    child.stdout.on('data', (d: Buffer) => {
      bytes += d.length;
      got.update(d);
    });
    child.stdout.resume();
    const code = await exited;
    const want = expectedDigest();
    assert.equal(code, 0, stderr);
    assert.equal(bytes, want.bytes);
    assert.equal(got.digest('hex'), want.sha256, 'every byte, in order');

    await waitFor('the session to end', () => s.sessions.live.size === 0);
    const end = chain.audit('session.end').at(-1);
    assert.ok(end !== undefined, 'session.end audited');
  },
);
