/**
 * Frame generator and an independent policy oracle for fuzzing the Modbus broker (used by the fuzz
 * test and the bigger run in test/bench/). The generator mixes well-formed allowed requests,
 * well-formed requests with random fields, byte-level mutations of both, truncations and garbage.
 * The oracle re-implements, from the plc-1 maintenance profile's JSON, the question "may this frame
 * reach the PLC?", without using the broker's decoder or rules. `runFuzz` drives a whole run.
 */
import type { TestContext } from 'node:test';
import { FakeClock } from '../../shared/src/clock.js';
import { startBrokerListener } from './modbus-broker-listener.js';
import { plc1Asset, PLC1_PROFILES } from '../../image/demo/plant/plc-1-policy.js';
import { connectRaw, mbap, pdu } from './raw-modbus-client.js';
import { startRecordingPlc, type ReceivedFrame } from './recording-plc.js';

/** Deterministic PRNG (mulberry32) so a failing seed can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rand: () => number, n: number): number => Math.floor(rand() * n);

function frame(tid: number, unit: number, pdu: Buffer): Buffer {
  const b = Buffer.alloc(7 + pdu.length);
  b.writeUInt16BE(tid & 0xffff, 0); // Modbus transaction ids wrap at 65,536
  b.writeUInt16BE(pdu.length + 1, 4);
  b.writeUInt8(unit, 6);
  pdu.copy(b, 7);
  return b;
}

function words(fc: number, ...ws: number[]): Buffer {
  const b = Buffer.alloc(1 + 2 * ws.length);
  b.writeUInt8(fc, 0);
  ws.forEach((w, i) => b.writeUInt16BE(w & 0xffff, 1 + 2 * i));
  return b;
}

/** A well-formed request; with `near`, addresses and values stay close to the allowed ones. */
function request(rand: () => number, near: boolean): Buffer {
  const addr = (): number => (near ? int(rand, 24) : int(rand, 65536));
  const qty = (max: number): number => (near ? 1 + int(rand, 6) : 1 + int(rand, max));
  switch (int(rand, 9)) {
    case 0:
      return words(1 + int(rand, 4), addr(), qty(125));
    case 1:
      return words(6, addr(), near ? int(rand, 2000) : int(rand, 65536));
    case 2:
      return words(5, addr(), rand() < 0.5 ? 0 : 0xff00);
    case 3: {
      const q = qty(10);
      return Buffer.concat([
        words(16, addr(), q),
        Buffer.of(2 * q),
        words(0, ...Array.from({ length: q }, () => int(rand, near ? 1400 : 65536))).subarray(1),
      ]);
    }
    case 4: {
      const q = qty(16);
      return Buffer.concat([
        words(15, addr(), q),
        Buffer.of(Math.ceil(q / 8)),
        Buffer.from(Array.from({ length: Math.ceil(q / 8) }, () => int(rand, 256))),
      ]);
    }
    case 5:
      return Buffer.of(43, 14, 1 + int(rand, 4), 0);
    case 6:
      return words(8, int(rand, 21), int(rand, 65536));
    case 7:
      return Buffer.concat([
        words(23, addr(), qty(4), addr(), 1),
        Buffer.of(2),
        words(0, int(rand, 1400)).subarray(1),
      ]);
    default:
      return Buffer.from(
        Array.from({ length: 1 + int(rand, 6) }, (_, i) =>
          i === 0
            ? ([7, 11, 12, 17, 20, 21, 22, 24, 65, 90, 100][int(rand, 11)] ?? 90)
            : int(rand, 256),
        ),
      );
  }
}

/** One fuzz frame. */
export function fuzzFrame(rand: () => number, tid: number): Buffer {
  const roll = rand();
  const unit = rand() < 0.85 ? 1 : int(rand, 256);
  if (roll < 0.6) return frame(tid, unit, request(rand, true));
  if (roll < 0.88) return frame(tid, unit, request(rand, false));
  if (roll < 0.96) {
    const f = frame(tid, unit, request(rand, rand() < 0.5));
    for (let i = 0, n = 1 + int(rand, 3); i < n; i++) f[int(rand, f.length)] = int(rand, 256);
    return f;
  }
  if (roll < 0.985) {
    const f = frame(tid, unit, request(rand, true));
    return rand() < 0.5
      ? f.subarray(0, int(rand, f.length))
      : Buffer.concat([f, Buffer.from([int(rand, 256)])]);
  }
  return Buffer.from(Array.from({ length: 1 + int(rand, 40) }, () => int(rand, 256)));
}

type Range = { readonly from: number; readonly to: number };
const m = PLC1_PROFILES.maintenance;
const inside = (ranges: readonly Range[], a: number, q: number): boolean => {
  // Adjacent ranges count as one: walk address by address (spans here are small).
  for (let x = a; x < a + q; x++) if (!ranges.some((r) => x >= r.from && x <= r.to)) return false;
  return true;
};
const signed = (v: number): number => (v >= 0x8000 ? v - 0x10000 : v);

function registerValueOk(address: number, raw: number): boolean {
  const r = m.tables.holdingRegisters.write.find((x) => address >= x.from && address <= x.to);
  if (r === undefined) return false;
  const v = 'signed' in r && r.signed ? signed(raw) : raw;
  return v >= r.min && v <= r.max;
}

function coilValueOk(address: number, on: boolean): boolean {
  const r = m.tables.coils.write.find((x) => address >= x.from && address <= x.to);
  return r !== undefined && (!('value' in r) || r.value === on);
}

/** May this frame (unit id and PDU as the PLC received it) reach the PLC under plc-1 `maintenance`? */
export function isAllowedAtPlc(unit: number, pdu: Buffer): boolean {
  if (unit !== 1 || pdu.length < 1) return false;
  const fc = pdu[0] ?? 0;
  const w = (at: number): number => (pdu.length >= at + 2 ? pdu.readUInt16BE(at) : -1);
  const t = m.tables;
  switch (fc) {
    case 1:
    case 2:
    case 3:
    case 4: {
      if (pdu.length !== 5) return false;
      const ranges =
        [t.coils.read, t.discreteInputs.read, t.holdingRegisters.read, t.inputRegisters.read][
          fc - 1
        ] ?? [];
      return w(3) >= 1 && inside(ranges, w(1), w(3));
    }
    case 5:
      return (
        pdu.length === 5 && (w(3) === 0 || w(3) === 0xff00) && coilValueOk(w(1), w(3) === 0xff00)
      );
    case 6:
      return pdu.length === 5 && registerValueOk(w(1), w(3));
    case 15: {
      const q = w(3);
      if (q < 1 || pdu[5] !== Math.ceil(q / 8) || pdu.length !== 6 + Math.ceil(q / 8)) return false;
      for (let i = 0; i < q; i++)
        if (!coilValueOk(w(1) + i, (((pdu[6 + (i >> 3)] ?? 0) >> (i & 7)) & 1) === 1)) return false;
      return true;
    }
    case 16: {
      const q = w(3);
      if (q < 1 || pdu[5] !== 2 * q || pdu.length !== 6 + 2 * q) return false;
      for (let i = 0; i < q; i++) if (!registerValueOk(w(1) + i, w(6 + 2 * i))) return false;
      return true;
    }
    case 23: {
      const q = w(7);
      if (
        q < 1 ||
        pdu[9] !== 2 * q ||
        pdu.length !== 10 + 2 * q ||
        w(3) < 1 ||
        !inside(t.holdingRegisters.read, w(1), w(3))
      )
        return false;
      for (let i = 0; i < q; i++) if (!registerValueOk(w(5) + i, w(10 + 2 * i))) return false;
      return true;
    }
    case 43:
      return pdu.length === 4 && pdu[1] === 14 && (pdu[2] ?? 0) >= 1 && (pdu[2] ?? 0) <= 4;
    case 17:
      return pdu.length === 1;
    default:
      return false;
  }
}

export interface FuzzRun {
  readonly seed: number;
  readonly sent: number;
  readonly connections: number;
  readonly answered: number;
  /** Fuzz frames the oracle would not let through: most of them, or the run proves little. */
  readonly refusedByOracle: number;
  readonly atPlc: number;
  /** Frames that reached the PLC although the oracle says they must not: must be empty. */
  readonly outside: readonly ReceivedFrame[];
  readonly framingErrorsAtPlc: number;
  /** A clean read after the run was answered correctly. */
  readonly isStillServing: boolean;
  readonly isAuditChainValid: boolean;
  readonly malformed: number;
  readonly denied: number;
  readonly writes: number;
}

/** Completes any frame the reader is waiting for, then breaks framing: every batch ends in a close. */
const TERMINATOR = Buffer.alloc(300, 0xff);

/**
 * Sends `frames` fuzz frames to a broker (plc-1 `maintenance`, maxInFlight 4, no practical rate
 * limit) in batches of `perConnection` per connection, each batch ended by garbage so the broker
 * closes it; a malformed frame inside a batch ends it earlier.
 */
export async function runFuzz(
  t: Pick<TestContext, 'after'>,
  frames: number,
  seed: number,
  perConnection = 16,
): Promise<FuzzRun> {
  const rand = prng(seed);
  const plc = await startRecordingPlc(t);
  const profiles = {
    ...PLC1_PROFILES,
    maintenance: {
      ...PLC1_PROFILES.maintenance,
      rateLimit: { requestsPerSecond: 100_000, burst: 100_000 },
    },
  };
  const gw = await startBrokerListener(t, {
    asset: plc1Asset(plc.port, { profiles, maxInFlight: 4 }),
    profile: 'maintenance',
    clock: new FakeClock(),
  });
  let sent = 0;
  let answered = 0;
  let refusedByOracle = 0;
  while (sent < frames) {
    const client = await connectRaw(t, gw.port);
    const batch = Array.from({ length: perConnection }, (_, i) => fuzzFrame(rand, sent + i));
    sent += perConnection;
    refusedByOracle += batch.filter(
      (f) => f.length < 8 || !isAllowedAtPlc(f.readUInt8(6), f.subarray(7)),
    ).length;
    client.write(Buffer.concat([...batch, TERMINATOR]));
    answered += (await client.closed(10_000)).length;
  }
  const outside = plc.received.filter(
    (r) => !isAllowedAtPlc(r.unitId, Buffer.from(r.pduHex, 'hex')),
  );
  const connections = gw.ends.length;
  const client = await connectRaw(t, gw.port);
  client.write(mbap(1, 1, pdu(3, [0, 2])));
  const isStillServing = (await client.frames(1))[0]?.pdu.toString('hex') === '030400000000';
  client.socket.end();
  await Promise.all(gw.ends);
  return {
    seed,
    sent,
    connections,
    answered,
    refusedByOracle,
    atPlc: plc.received.length,
    outside,
    framingErrorsAtPlc: plc.framingErrors,
    isStillServing,
    isAuditChainValid: gw.audit.verify().ok,
    malformed: gw.events('modbus.malformed').length,
    denied: gw.events('modbus.deny').length,
    writes: gw.events('modbus.write').length,
  };
}

export function describeFuzzRun(r: FuzzRun): string {
  return `seed ${r.seed}: ${r.sent} frames on ${r.connections} connections, ${r.answered} answers, ${r.atPlc} frames at the PLC (${r.outside.length} outside policy), ${r.malformed} malformed, ${r.denied} denied, ${r.writes} writes`;
}
