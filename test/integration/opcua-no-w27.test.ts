/**
 * node-opcua's `[NODE-OPCUA-W27] ... --security-revert=CVE-2023-46809` warning came from a self-test
 * node-opcua-secure-channel ran when it was loaded: on Node 20.11.1+ RSA PKCS#1 v1.5 decryption is
 * refused, so every process that imported node-opcua warned, though no endpoint here offers
 * Basic128Rsa15 (the only policy that decrypts with that padding). patches/ removes the load-time
 * self-test; the warning now comes only when that padding is really used. Here a real OPC UA server
 * (the simulated plant) and a real client, in their own processes, talk SignAndEncrypt
 * Basic256Sha256 with a UserName token, and neither prints W27.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { distRoot } from '../../shared/src/testing/processes.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { waitFor } from '../helpers/wait-for.js';

const PLANT = join(distRoot, 'image', 'demo', 'plant', 'plant.js');
const READ = join(distRoot, 'test', 'integration', 'zones', 'opcua-read.js');

test(
  'an OPC UA server and client (SignAndEncrypt, Basic256Sha256) print no NODE-OPCUA-W27',
  { timeout: 90_000 },
  async (t) => {
    const dir = makeTempDir(t, 'airlock-w27-');
    const server = spawn(process.execPath, [PLANT, 'opcua', '--data-dir', join(dir, 'plant')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => void server.kill('SIGKILL'));
    let out = '';
    let serverErr = '';
    server.stdout.on('data', (d: Buffer) => (out += d.toString()));
    server.stderr.on('data', (d: Buffer) => (serverErr += d.toString()));
    await waitFor(
      'the plant OPC UA server',
      () => {
        if (server.exitCode !== null) throw new Error(`plant exited: ${serverErr}`);
        return /^\{"kind":"opcua".*\n/m.test(out);
      },
      60_000,
    );
    // node-opcua writes its own lines to stdout too (certificate creation): take the JSON one.
    const ready = JSON.parse(/^\{"kind":"opcua".*$/m.exec(out)?.[0] ?? '') as {
      endpointUrl: string;
      users: Record<string, string>;
    };
    const [user, password] = Object.entries(ready.users)[0] ?? ['', ''];
    const client = spawn(
      process.execPath,
      [READ, ready.endpointUrl, user, join(dir, 'client-pki'), password, 'SignAndEncrypt'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    t.after(() => void client.kill('SIGKILL'));
    let read = '';
    let clientErr = '';
    client.stdout.on('data', (d: Buffer) => (read += d.toString()));
    client.stderr.on('data', (d: Buffer) => (clientErr += d.toString()));
    const [code] = (await once(client, 'close')) as [number | null];
    assert.equal(code, 0, clientErr);
    const result = /^\{"status".*$/m.exec(read)?.[0] ?? '{}';
    assert.equal((JSON.parse(result) as { status?: string }).status, 'Good', read);
    server.kill('SIGTERM');
    await once(server, 'close');
    assert.doesNotMatch(clientErr, /W27|security-revert/, clientErr);
    assert.doesNotMatch(serverErr, /W27|security-revert/, serverErr);
  },
);
