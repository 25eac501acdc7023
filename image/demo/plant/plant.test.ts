import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { startPlant } from './plant.js';

const PLANT = fileURLToPath(new URL('./plant.js', import.meta.url));

function runPlant(t: TestContext, args: readonly string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [PLANT, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  child.stdin.end();
  return child;
}

function exitOf(
  child: ChildProcessWithoutNullStreams,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
}

/** Resolves with the first `count` stdout lines, parsed as JSON. */
function jsonLines(
  child: ChildProcessWithoutNullStreams,
  count: number,
): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (d: Buffer) => {
      text += d.toString('utf8');
      const lines = text.split('\n').slice(0, -1);
      if (lines.length >= count)
        resolve(lines.slice(0, count).map((l) => JSON.parse(l) as Record<string, unknown>));
    });
    child.on('close', () =>
      reject(new Error(`plant exited before printing ${count} lines: ${text}`)),
    );
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

test(
  'plant all: one JSON line per simulator, stable host key in the data dir, SIGTERM stops it',
  { timeout: 30_000 },
  async (t) => {
    const dataDir = makeTempDir(t);
    const child = runPlant(t, ['all', '--data-dir', dataDir]);
    const [ssh, modbus, opcua] = await jsonLines(child, 3);
    assert.equal(ssh?.kind, 'ssh');
    assert.match(String(ssh?.hostKeyFingerprint), /^SHA256:/);
    assert.deepEqual(Object.keys(ssh?.users as object), ['operator', 'rotator']);
    assert.equal(modbus?.kind, 'modbus');
    assert.equal(modbus?.host, '127.0.0.1');
    assert.equal(opcua?.kind, 'opcua');
    assert.equal(opcua?.namespaceUri, 'urn:airlock:sim:plant');
    assert.match(String(opcua?.endpointUrl), /^opc\.tcp:\/\/127\.0\.0\.1:\d+$/);
    for (const sim of [ssh, modbus, opcua])
      assert.equal(
        await canConnect(Number(sim?.port)),
        true,
        `${String(sim?.kind)} accepts connections`,
      );
    assert.equal(statSync(join(dataDir, 'ssh-target', 'ssh_host_ed25519_key')).mode & 0o777, 0o600);

    const exited = exitOf(child);
    child.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, signal: null });
    assert.equal(await canConnect(Number(ssh?.port)), false, 'the ssh port is closed after stop');
  },
);

test(
  'plant: bad arguments exit 2 with a message naming the argument; --help exits 0',
  { timeout: 15_000 },
  async (t) => {
    for (const [args, message] of [
      [['all', '--host', '10.1.2.3'], /--host 10\.1\.2\.3 refused/],
      [['ssh', '--port', 'abc'], /--port expects a number/],
    ] as const) {
      const child = runPlant(t, args);
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      assert.deepEqual(await exitOf(child), { code: 2, signal: null });
      assert.match(stderr, message);
    }
    const help = runPlant(t, ['--help']);
    let stdout = '';
    help.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    assert.deepEqual(await exitOf(help), { code: 0, signal: null });
    assert.match(
      stdout,
      /^usage: node dist\/image\/demo\/plant\/plant\.js <ssh\|modbus\|opcua\|all>/,
    );
  },
);

test(
  'startPlant in process: chosen simulators only, close() frees the ports',
  { timeout: 15_000 },
  async (t) => {
    const plant = await startPlant({ kinds: ['ssh', 'modbus'] });
    t.after(() => plant.close());
    assert.equal(plant.opcua, undefined);
    assert.ok(plant.ssh !== undefined && plant.modbus !== undefined);
    assert.deepEqual(
      plant.describe().map((d) => d.kind),
      ['ssh', 'modbus'],
    );
    const ports = [plant.ssh.port, plant.modbus.port];
    await plant.close();
    for (const port of ports) assert.equal(await canConnect(port), false);
  },
);
