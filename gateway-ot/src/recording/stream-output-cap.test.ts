import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { RecordingClosed, SessionRecorder } from './recordings.js';
import { capStreamOutput } from './stream-output-cap.js';

function collecting(): SessionRecorder & {
  readonly out: Buffer[];
  readonly inp: string[];
  closes: number;
} {
  const out: Buffer[] = [];
  const inp: string[] = [];
  const r = {
    id: 'rec-1',
    file: '/dev/null',
    out,
    inp,
    closes: 0,
    output: (d: Buffer | string) => void out.push(Buffer.from(d)),
    input: (d: Buffer | string) => void inp.push(d.toString()),
    resize: () => undefined,
    close: (): RecordingClosed => {
      r.closes += 1;
      return { id: 'rec-1', file: '/dev/null', sha256: 'x', bytes: 0 };
    },
  };
  return r;
}

test('output under the limit is recorded unchanged and nothing is added at close', () => {
  const inner = collecting();
  const rec = capStreamOutput(inner, 10);
  rec.output(Buffer.from('hello'));
  rec.output('world');
  rec.input('typed');
  rec.close();
  assert.equal(Buffer.concat(inner.out).toString(), 'helloworld');
  assert.deepEqual(inner.inp, ['typed']);
  assert.equal(inner.closes, 1);
});

test('past the limit: the first bytes exactly, one notice, then the count and SHA-256 of the whole stream at close', () => {
  const inner = collecting();
  const rec = capStreamOutput(inner, 8);
  const chunks = [
    Buffer.from('0123'),
    Buffer.from('456789ab'),
    Buffer.alloc(1000, 0),
    Buffer.from('tail'),
  ];
  for (const c of chunks) rec.output(c);
  rec.close();
  rec.close();
  const text = Buffer.concat(inner.out).toString();
  const whole = Buffer.concat(chunks);
  assert.ok(
    text.startsWith(
      '01234567\r\n[airlock: this exec session has no terminal; output after the first 8 bytes',
    ),
  );
  assert.ok(
    !text.includes('89ab') && !text.includes('tail'),
    'nothing past the limit is kept as text',
  );
  assert.ok(
    text.endsWith(
      `[airlock: exec output ${whole.length} bytes, SHA-256 ${createHash('sha256').update(whole).digest('hex')}]\r\n`,
    ),
  );
  assert.equal(
    text.match(/\[airlock: exec output/g)?.length,
    1,
    'the summary is written once even if close is called twice',
  );
  assert.equal(inner.closes, 2, 'close stays idempotent in the inner recorder');
});
