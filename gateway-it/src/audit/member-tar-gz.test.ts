import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { extract, pack } from 'tar-stream';
import { CompressedPart } from './hashed-file.js';
import { MemberTarGz, ustarHeader } from './member-tar-gz.js';

const MTIME = Date.UTC(2026, 11, 7, 12, 0, 0);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function tarStreamBytes(name: string, body: Buffer): Promise<Buffer> {
  const p = pack();
  p.entry({ name, size: body.length, mode: 0o644, mtime: new Date(MTIME) }, body);
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

test('a ustar header is the one tar-stream writes, long names split into the prefix', async () => {
  const long = `sessions/${'s'.repeat(60)}/${'r'.repeat(90)}.log`;
  for (const name of ['manifest.json', 'events/ot.jsonl', long]) {
    const body = Buffer.from('x'.repeat(700));
    const ref = await tarStreamBytes(name, body);
    assert.deepEqual(ustarHeader(name, body.length, MTIME), ref.subarray(0, 512), name);
  }
  assert.throws(() => ustarHeader('n'.repeat(101), 1, MTIME), /too long/);
  assert.throws(() => ustarHeader('é.txt', 1, MTIME), /cannot be a tar name/);
});

test('an archive of gzip members reads back with tar-stream and GNU tar, hashes as written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-member-tar-'));
  try {
    const big = Buffer.from(Array.from({ length: 50_000 }, (_, i) => `line ${i}\n`).join(''));
    const part = new CompressedPart(join(dir, 'big.gz'));
    await part.write(big.subarray(0, 1000));
    await part.write(big.subarray(1000));
    const partResult = await part.end();
    assert.deepEqual(partResult, { sha256: sha(big), bytes: big.length });
    const empty = new CompressedPart(join(dir, 'empty.gz'));
    const emptyResult = await empty.end();
    const artifact = Buffer.from('recording bytes');

    const out = join(dir, 'bundle.tar.gz');
    const tar = new MemberTarGz(out, MTIME);
    await tar.addBuffer('manifest.json', Buffer.from('{"a":1}'));
    await tar.addCompressed('events/big.txt', big.length, join(dir, 'big.gz'));
    await tar.addCompressed('events/empty.txt', emptyResult.bytes, join(dir, 'empty.gz'));
    await tar.addStream(
      'sessions/s1/r.log',
      artifact.length,
      Readable.from([artifact]),
      sha(artifact),
    );
    const digest = await tar.finish();
    const file = readFileSync(out);
    assert.equal(digest, sha(file));

    const got = new Map<string, Buffer>();
    const ex = extract();
    const done = (async (): Promise<void> => {
      for await (const entry of ex) {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        got.set(entry.header.name, Buffer.concat(chunks));
      }
    })();
    ex.end(gunzipSync(file));
    await done;
    assert.deepEqual(
      [...got.keys()],
      ['manifest.json', 'events/big.txt', 'events/empty.txt', 'sessions/s1/r.log'],
    );
    assert.deepEqual(got.get('events/big.txt'), big);
    assert.equal(got.get('events/empty.txt')?.length, 0);
    assert.deepEqual(got.get('sessions/s1/r.log'), artifact);

    const list = spawnSync('tar', ['tzf', out], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    assert.deepEqual(list.stdout.trim().split('\n'), [...got.keys()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a session artifact that changed since it was hashed fails the entry', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'airlock-member-tar-'));
  try {
    const tar = new MemberTarGz(join(dir, 'b.tar.gz'), MTIME);
    await assert.rejects(
      tar.addStream('a.log', 5, Readable.from([Buffer.from('abcdX')]), sha(Buffer.from('abcde'))),
      /changed while the bundle was written/,
    );
    await assert.rejects(
      tar.addStream('b.log', 3, Readable.from([Buffer.from('abcd')]), sha(Buffer.from('abc'))),
      /changed/,
    );
    tar.destroy();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
