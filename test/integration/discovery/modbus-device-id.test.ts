/**
 * FC 43/14 only where the probe scope allows it: a Modbus TCP server that records every function
 * code it receives answers FC 3 and FC 43/14 (basic objects). Without `deviceIdentification` the
 * probe sends FC 3 only; with it, FC 43/14 follows to the unit ids that answered and the objects
 * are in the finding. Also: an exception response proves a device, and a unit id that does not
 * answer is not listed.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test, type TestContext } from 'node:test';
import { createDiscoverySite } from './discovery-fixture.js';

/** Answers unit 1 (FC 3 value, FC 43/14 objects), unit 2 with exception 02, drops unit 3. */
async function startRecordingDevice(t: TestContext): Promise<{ port: number; seen: number[] }> {
  const seen: number[] = [];
  const server = createServer((sock) => {
    sock.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 7 && buf.length >= 6 + buf.readUInt16BE(4)) {
        const frame = buf.subarray(0, 6 + buf.readUInt16BE(4));
        buf = buf.subarray(frame.length);
        const unit = frame[6] ?? 0;
        const fc = frame[7] ?? 0;
        seen.push(fc);
        let pdu: Buffer | undefined;
        if (unit === 2) pdu = Buffer.from([fc | 0x80, 0x02]);
        else if (unit === 1 && fc === 0x03) pdu = Buffer.from([0x03, 2, 0x12, 0x34]);
        else if (unit === 1 && fc === 0x2b) {
          const vendor = Buffer.from('ACME');
          const code = Buffer.from('PLC-9');
          pdu = Buffer.concat([
            Buffer.from([0x2b, 0x0e, 0x01, 0x01, 0x00, 0x00, 2, 0x00, vendor.length]),
            vendor,
            Buffer.from([0x01, code.length]),
            code,
          ]);
        }
        if (pdu === undefined) continue;
        const head = Buffer.from(frame.subarray(0, 7));
        head.writeUInt16BE(pdu.length + 1, 4);
        sock.write(Buffer.concat([head, pdu]));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const a = server.address();
  if (a === null || typeof a === 'string') throw new Error('no port');
  return { port: a.port, seen };
}

for (const allowed of [false, true])
  test(`FC 43/14 is sent only where the scope allows it (deviceIdentification ${String(allowed)})`, async (t) => {
    const device = await startRecordingDevice(t);
    const site = createDiscoverySite(t, {
      assets: {},
      discovery: {
        subnets: ['127.0.0.1/32'],
        ports: { modbus: [device.port] },
        modbus: { unitIds: [1, 2, 3], deviceIdentification: allowed },
        rate: { probesPerSecond: 10, concurrency: 1, timeoutMs: 300 },
      },
    });
    const r = await site.withDiscovery((d) => d.run('cli:olga'));
    assert.equal(r.error, undefined, String(r.error));
    const f = r.value?.proposals[0]?.finding;
    assert.equal(f?.protocol, 'modbus');
    if (f?.protocol !== 'modbus') return;
    assert.deepEqual(f.unitIds, [1, 2], 'unit 2 answered with an exception; unit 3 never answered');
    if (allowed) {
      assert.deepEqual(device.seen, [0x03, 0x03, 0x03, 0x2b, 0x2b]);
      assert.deepEqual(f.deviceIdentification, {
        '1': { vendorName: 'ACME', productCode: 'PLC-9' },
      });
    } else {
      assert.deepEqual(device.seen, [0x03, 0x03, 0x03], 'FC 3 only');
      assert.equal(f.deviceIdentification, undefined);
    }
  });
