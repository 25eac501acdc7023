/**
 * Ten OpenSSH connections that cannot answer a prompt (BatchMode), run through an SshChain after a
 * login that should let them in: four `ssh` commands, an `scp` round trip, two `sftp` gets and two
 * `-L` tunnels to the site's Modbus broker. Each must succeed and carry its bytes intact; the
 * caller then checks in the audit how they were let in. Tunnels are killed when the test ends.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from '../../image/demo/plant/free-port.js';
import type { SshChain } from './ssh-chain.js';
import { waitFor } from './wait-for.js';

/** Sends `data` through a local port and returns what came back before the peer closed. */
export function exchange(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(port, '127.0.0.1', () => sock.write(data));
    sock.setTimeout(20_000, () => sock.destroy(new Error('timeout')));
    sock.on('data', (d) => {
      chunks.push(d);
      if (Buffer.concat(chunks).length >= data.length) sock.end();
    });
    sock.on('error', reject);
    sock.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** `batch`: the ssh options of the login (BatchMode on); `file`: the name scp and sftp use. */
export async function tenPromptlessConnections(
  t: Pick<TestContext, 'after'>,
  chain: SshChain,
  batch: readonly string[],
  o: { readonly file: string; readonly payloadBytes: number },
): Promise<void> {
  const exec = async (n: number): Promise<void> => {
    const r = await chain.run('ssh', [...batch, 'alice+hmi-1@127.0.0.1', `echo run-${n}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `run-${n}\n`);
  };
  for (const n of [1, 2, 3, 4]) await exec(n);
  const payload = randomBytes(o.payloadBytes);
  const local = join(chain.dir, `${o.file}.bin`);
  writeFileSync(local, payload);
  const up = await chain.run('scp', [...batch, local, `alice+hmi-1@127.0.0.1:${o.file}.bin`]);
  assert.equal(up.code, 0, up.stderr);
  const back = join(chain.dir, `${o.file}-back.bin`);
  const down = await chain.run('scp', [...batch, `alice+hmi-1@127.0.0.1:${o.file}.bin`, back]);
  assert.equal(down.code, 0, down.stderr);
  assert.ok(readFileSync(back).equals(payload), 'scp round trip');
  for (const n of [1, 2]) {
    const commands = join(chain.dir, `sftp-${n}`);
    writeFileSync(commands, `get ${o.file}.bin ${join(chain.dir, `sftp-${n}.bin`)}\n`);
    const r = await chain.run('sftp', [...batch, '-b', commands, 'alice+hmi-1@127.0.0.1']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(join(chain.dir, `sftp-${n}.bin`)).equals(payload), 'sftp get');
  }
  for (const n of [1, 2]) {
    const port = await freePort();
    const tunnel = spawn(
      '/usr/bin/ssh',
      [...batch, '-N', '-L', `127.0.0.1:${port}:plc-1:502`, 'alice+hmi-1@127.0.0.1'],
      { env: { PATH: '/usr/bin:/bin', HOME: chain.dir }, stdio: 'ignore' },
    );
    const gone = new Promise((resolve) => tunnel.on('close', resolve));
    t.after(() => void tunnel.kill());
    const probe = Buffer.from(`0001000000060103000a000${n}`, 'hex');
    const echoed = await waitFor(`the -L tunnel ${n}`, () =>
      exchange(port, probe).then(
        (b) => b.length > 0 && b,
        () => false as const,
      ),
    );
    assert.ok(echoed.equals(probe), 'bytes reach the Modbus broker of the site and come back');
    tunnel.kill();
    await gone;
  }
}
