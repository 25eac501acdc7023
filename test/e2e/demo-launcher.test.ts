/**
 * The README's first command must always start: run the demo launcher (on offset ports, in a temp
 * state dir), check what it promises (gateways up, site and users created, the OT gateway enrolled
 * and its site online, credentials file 0600),
 * then stop it with Ctrl-C (SIGINT) and check that it exits cleanly and everything it started is gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/temp-dir.js';
import { distRoot } from '../helpers/processes.js';
import { pinnedRequest } from '../helpers/https-client.js';

const DEMO = join(distRoot, 'image', 'demo', 'demo.js');

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

test('the demo launcher starts the appliance and stops it on Ctrl-C', { timeout: 180_000 }, async (t) => {
  const dir = makeTempDir(t, 'airlock-demo-');
  const offset = 20_000 + (process.pid % 5_000);
  const child = spawn(process.execPath, [DEMO, '--state-dir', dir, '--port-offset', String(offset)], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not come up:\n${out}`)), 150_000);
    child.stdout.on('data', () => {
      if (out.includes('Airlock demo is running')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited (${String(code)}):\n${out}`));
    });
  });

  const creds = JSON.parse(readFileSync(join(dir, 'credentials.json'), 'utf8')) as { site: string; users: { name: string; password: string; totpSecret: string }[] };
  assert.equal(statSync(join(dir, 'credentials.json')).mode & 0o777, 0o600);
  assert.equal(creds.site, 'plant-1');
  assert.deepEqual(creds.users.map((u) => u.name), ['admin', 'alice', 'olga', 'victor', 'audrey']);
  for (const u of creds.users) {
    assert.match(u.password, /^[a-z2-9-]{24}$/);
    assert.match(u.totpSecret, /^[A-Z2-7]+$/);
  }
  const fp = /certificate SHA-256 ([0-9A-F:]{95})/.exec(out)?.[1]?.replace(/:/g, '').toLowerCase();
  assert.ok(fp !== undefined, 'the fingerprint is printed');
  const health = await pinnedRequest(`https://127.0.0.1:${8443 + offset}/healthz`, fp);
  assert.equal(health.status, 200);
  assert.deepEqual(health.json<{ sites: { site: string; link: string }[] }>().sites.map((s) => [s.site, s.link]), [['plant-1', 'online']], 'the OT gateway is enrolled and linked');
  for (const p of [12022, 15020, 14840]) assert.equal(await portOpen(p + offset), true, `plant port ${p + offset} answers`);
  assert.match(out, /hmi-1, opc-1, plc-1/);
  assert.match(out, /Window\s+plant-1: weekly, every day/, 'the demo seeds a maintenance window (window-add succeeded)');

  child.kill('SIGINT');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, out);
  assert.match(out, /stopped\./);
  for (const p of [8443, 12022, 15020, 14840]) assert.equal(await portOpen(p + offset), false, `port ${p + offset} is closed`);
});
