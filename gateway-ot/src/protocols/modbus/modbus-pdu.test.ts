import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  encodeFrame,
  exceptionFrame,
  exceptionLabel,
  functionName,
  pointLabel,
  readPdu,
} from './modbus-pdu.js';
import { TokenBucket } from './token-bucket.js';

test('point labels as plant people write them, 5 digits up to offset 9998, then 6', () => {
  assert.equal(pointLabel('holdingRegisters', 0), 'HR 40001');
  assert.equal(pointLabel('holdingRegisters', 9), 'HR 40010');
  assert.equal(pointLabel('holdingRegisters', 9998), 'HR 49999');
  assert.equal(pointLabel('holdingRegisters', 9999), 'HR 410000');
  assert.equal(pointLabel('holdingRegisters', 65535), 'HR 465536');
  assert.equal(pointLabel('coils', 8), 'CO 00009');
  assert.equal(pointLabel('discreteInputs', 0), 'DI 10001');
  assert.equal(pointLabel('inputRegisters', 99), 'IR 30100');
});

test('frames the gateway builds are well-formed MBAP', () => {
  assert.equal(
    encodeFrame(0x1234, 1, Buffer.of(3, 2, 0, 7)).toString('hex'),
    '12340000000501' + '03020007',
  );
  assert.equal(exceptionFrame(7, 2, 6, 0x0b).toString('hex'), '00070000000302' + '860b');
  assert.equal(readPdu('coils', 8, 4).toString('hex'), '0100080004');
  assert.equal(readPdu('holdingRegisters', 65535, 1).toString('hex'), '03ffff0001');
  assert.equal(exceptionLabel(0x0b), '0B');
  assert.equal(functionName(90), 'vendor-specific (e.g. Schneider UMAS)');
  assert.equal(functionName(66), 'user-defined');
});

test('token bucket: the burst at once, then the refill rate', () => {
  const b = new TokenBucket(2, 3, 1000);
  assert.deepEqual(
    [b.take(1000), b.take(1000), b.take(1000), b.take(1000)],
    [true, true, true, false],
  );
  assert.equal(b.take(1499), false, 'just under one token after 499 ms at 2/s');
  assert.equal(b.take(1500), true);
  assert.deepEqual(
    [b.take(60_000), b.take(60_000), b.take(60_000), b.take(60_000)],
    [true, true, true, false],
    'never more than the burst',
  );
});
