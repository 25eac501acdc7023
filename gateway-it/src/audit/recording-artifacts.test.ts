import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import type { RecordingRow } from '../store/recording-store.js';
import { recordingArtifacts } from './recording-artifacts.js';

test(
  'bundles take verified recordings whose file still has the vouched SHA-256; others are left out',
  { timeout: 10_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const row = (
      sessionId: string,
      status: RecordingRow['status'],
      content: string,
      sha256 = sha256Hex(content),
    ): RecordingRow => {
      writeFileSync(join(dir, `${sessionId}.cast`), content);
      return {
        sessionId,
        site: 'plant-1',
        gatewayId: 'gw',
        asset: 'hmi-1',
        userName: 'alice',
        startedAt: 1,
        heldBytes: content.length,
        status,
        size: content.length,
        sha256,
        problem: null,
        firstChunkAt: 1,
        completedAt: 2,
      };
    };
    const rows = [
      row('ses_ok', 'verified', 'good'),
      row('ses_recv', 'receiving', 'partial'),
      row('ses_rej', 'rejected', 'bad'),
      row('ses_changed', 'verified', 'edited on disk', sha256Hex('original')),
      { ...row('ses_gone', 'verified', 'x'), sessionId: 'ses_missing' },
    ];
    const asked: unknown[] = [];
    const source = recordingArtifacts({
      store: { inRange: (...args) => (asked.push(args), rows) },
      pathOf: (_site, id) => join(dir, `${id}.cast`),
    });
    const got = await source.artifacts('plant-1', 10, 20);
    assert.deepEqual(asked, [['plant-1', 10, 20]]);
    assert.deepEqual(
      got.map((a) => [a.sessionId, a.kind, a.name]),
      [['ses_ok', 'recording', 'ses_ok.cast']],
    );
    const chunks: Buffer[] = [];
    for await (const c of got[0]?.open() ?? []) chunks.push(c as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), 'good');
  },
);
