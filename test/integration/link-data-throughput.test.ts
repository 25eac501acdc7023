/**
 * One session's data connection carries 100 MB each way with back-pressure: the reader is slow on
 * purpose, and the bytes held in memory for the session on each side (stream buffers plus the
 * socket's send queue) stay bounded while 100 MB flow. Memory is measured, time is not asserted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import { startIt, startOt, makeTicket, waitForSiteConnected } from '../helpers/link-fixture.js';
import {
  bufferedOf,
  drainSlowly,
  throughputBroker,
  writeWithBackpressure,
  type Measured,
} from '../helpers/test-brokers.js';
import { waitFor } from '../helpers/wait-for.js';

useCrypto();

const TOTAL = 100 * 1024 * 1024;
/** Per side: two 256 KiB stream high-water marks, one 256 KiB frame, and slack for a 64 KiB write. */
const BOUND = 2 * 1024 * 1024;

test(
  'a data socket carries 100 MB each way with back-pressure and bounded memory on both sides',
  { timeout: 240_000 },
  async (t) => {
    const it = await startIt(t);
    const probe = { sink: { bytes: 0, maxBuffered: 0 }, source: { bytes: 0, maxBuffered: 0 } };
    await startOt(t, { enrollWith: it, brokers: [throughputBroker('modbus', TOTAL, probe)] });
    await waitForSiteConnected(it);
    const commands = it.gw.services.siteCommands;
    const heapBefore = process.memoryUsage();

    // IT -> OT: the IT side writes as fast as the OT broker (a slow sink) lets it.
    const up = await commands.openSession(
      'plant-1',
      makeTicket(it, Date.now(), { profile: 'read-only' }),
    );
    const itWriter: Measured = { bytes: 0, maxBuffered: 0 };
    await writeWithBackpressure(up.stream, TOTAL, bufferedOf(up), itWriter);
    await waitFor('the OT sink to receive 100 MB', () => probe.sink.bytes === TOTAL, 120_000);
    up.close('upload done');

    // OT -> IT: the OT broker writes as fast as a slow IT reader lets it.
    const down = await commands.openSession(
      'plant-1',
      makeTicket(it, Date.now(), { profile: 'maintenance' }),
    );
    const itReader: Measured = { bytes: 0, maxBuffered: 0 };
    await drainSlowly(down.stream, bufferedOf(down), itReader);
    down.close('download done');
    const heapAfter = process.memoryUsage();

    assert.equal(itWriter.bytes, TOTAL);
    assert.equal(probe.sink.bytes, TOTAL);
    assert.equal(probe.source.bytes, TOTAL);
    assert.equal(itReader.bytes, TOTAL);
    t.diagnostic(
      `max bytes held per side (KiB): IT writer ${Math.round(itWriter.maxBuffered / 1024)}, OT sink ${Math.round(probe.sink.maxBuffered / 1024)}, OT source ${Math.round(probe.source.maxBuffered / 1024)}, IT reader ${Math.round(itReader.maxBuffered / 1024)}; process RSS ${Math.round(heapBefore.rss / 1048576)} -> ${Math.round(heapAfter.rss / 1048576)} MiB (garbage included; not asserted)`,
    );
    for (const [side, m] of [
      ['IT writer', itWriter],
      ['OT sink', probe.sink],
      ['OT source', probe.source],
      ['IT reader', itReader],
    ] as const) {
      assert.ok(
        m.maxBuffered <= BOUND,
        `${side} held ${m.maxBuffered} bytes at most, over the ${BOUND} bound`,
      );
    }
  },
);
