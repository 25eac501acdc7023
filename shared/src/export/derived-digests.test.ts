import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditEvent } from '../audit/audit-event.js';
import { LineSplitter } from './bundle-reader.js';
import { DerivedDigests } from './derived-digests.js';
import { eventToJsonLine } from './event-formats.js';
import { withheldLine } from './segment-lines.js';

function event(seq: number, over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    seq,
    id: `evt_${seq}`,
    time: 1_767_225_600_000 + seq * 1000,
    actor: 'vera',
    action: 'ssh.command',
    site: 'plant-1',
    target: 'hmi-1',
    outcome: 'success',
    details: { command: `ls -l /tmp/${seq}`, n: seq },
    prevHash: 'b'.repeat(64),
    hash: seq.toString(16).padStart(64, '0'),
    ...over,
  };
}

test('deriving from line bytes gives the digests of the verified events, for plain and escaped lines in any chunking', () => {
  const inRange = { first: 3, last: 60 };
  const events: AuditEvent[] = [];
  const lines: string[] = [];
  for (let seq = 1; seq <= 70; seq++) {
    if (seq === 20) {
      lines.push(withheldLine({ fromSeq: 20, toSeq: 24, lastHash: 'c'.repeat(64) }));
      seq = 24;
      continue;
    }
    // Every few lines one the byte path cannot take: an escape, non-ASCII, a CSV formula, a far-future time.
    const over: Partial<AuditEvent>[] = [
      {},
      { actor: 'say "hi"' },
      { target: 'Düsseldorf-1' },
      { details: { command: '=1+1', path: 'C:\\temp' } },
      { time: Date.UTC(10_000, 0, 1) },
      { site: null, target: null },
    ];
    const e = event(seq, over[seq % over.length]);
    events.push(e);
    lines.push(eventToJsonLine(e));
  }
  const reference = new DerivedDigests('ot', inRange, '0.1.0');
  for (const e of events) reference.add(e);
  const expected = reference.finish();

  const bytes = Buffer.from(lines.join('\n'), 'utf8'); // blank lines between events: skipped
  for (const size of [1, 7, 777, bytes.length]) {
    const derived = new DerivedDigests('ot', inRange, '0.1.0');
    let plainLines = 0;
    const splitter = new LineSplitter(1 << 20, (b, start, end, plain) => {
      if (plain) plainLines++;
      derived.lineBytes(b, start, end, plain);
    });
    for (let at = 0; at < bytes.length; at += size) splitter.push(bytes.subarray(at, at + size));
    assert.equal(splitter.end(), undefined);
    assert.deepEqual(derived.finish(), expected, `chunks of ${size} bytes`);
    if (size === bytes.length)
      assert.equal(
        plainLines,
        0,
        'a chunk with one backslash or non-ASCII byte is not plain as a whole',
      );
  }

  const plainOnly = Buffer.from(
    events
      .map((e) => eventToJsonLine(e))
      .filter((l) => /^[\x20-\x5b\x5d-\x7e]*\n$/.test(l))
      .join(''),
    'utf8',
  );
  let plain = 0;
  const s = new LineSplitter(1 << 20, (_b, _s, _e, p) => void (plain += p ? 1 : 0));
  s.push(plainOnly);
  s.end();
  assert.ok(plain > 20, `a chunk of ASCII lines without a backslash is plain (${plain} lines)`);
});

test('a line that cannot be rendered poisons the digests', () => {
  const d = new DerivedDigests('ot', { first: 1, last: 10 }, '0.1.0');
  const b = Buffer.from('{"seq":"three"}', 'utf8');
  d.lineBytes(b, 0, b.length, true);
  assert.deepEqual(d.finish(), { csvSha256: 'unrenderable', cefSha256: 'unrenderable' });
});
