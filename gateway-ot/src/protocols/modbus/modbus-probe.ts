/**
 * The Modbus TCP discovery probe: on one connection, asks each unit id of the scope for one holding
 * register at address 0 (FC 3, a read that changes nothing) and, where the scope allows it, the
 * basic device identification (FC 43/14) of the unit ids that answered. A well-formed value or an
 * exception response both prove a device at that unit id. Anything that is not a well-formed MBAP
 * answer to the request sent (wrong transaction id, protocol id, length, unit or function) makes
 * the whole port garbage, reported with what was seen. A unit id that does not answer in time is
 * simply not listed (gateways drop unit ids they do not serve).
 */
import { connect as netConnect, type Socket } from 'node:net';
import {
  printableExcerpt,
  type ProbeOptions,
  type ProbeOutcome,
  type ProbeTarget,
} from '../../../../shared/src/model/discovery.js';

type Reply =
  | { readonly kind: 'frame'; readonly unit: number; readonly pdu: Buffer; readonly raw: Buffer }
  | { readonly kind: 'garbage'; readonly raw: Buffer; readonly reason: string }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'closed' };

/** Reads MBAP frames off one socket, one request at a time. */
class MbapExchange {
  private buffered = Buffer.alloc(0);
  private waiter: ((r: Reply) => void) | undefined;
  private closed = false;
  private tid = 0;

  constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, d]).subarray(0, 4096);
      this.pump();
    });
    sock.on('close', () => {
      this.closed = true;
      this.waiter?.({ kind: 'closed' });
    });
  }

  private pump(): void {
    const b = this.buffered;
    if (this.waiter === undefined || b.length < 7) return;
    const len = b.readUInt16BE(4);
    if (b.readUInt16BE(2) !== 0 || len < 2 || len > 254) {
      this.waiter({ kind: 'garbage', raw: b, reason: 'not an MBAP header' });
      return;
    }
    if (b.length < 6 + len) return;
    if (b.readUInt16BE(0) !== this.tid) {
      this.waiter({ kind: 'garbage', raw: b, reason: 'answer to a transaction never sent' });
      return;
    }
    const raw = b.subarray(0, 6 + len);
    this.buffered = b.subarray(6 + len);
    this.waiter({ kind: 'frame', unit: b.readUInt8(6), pdu: b.subarray(7, 6 + len), raw });
  }

  request(unit: number, pdu: Buffer, timeoutMs: number): Promise<Reply> {
    if (this.closed) return Promise.resolve({ kind: 'closed' });
    this.tid = (this.tid + 1) & 0xffff;
    const head = Buffer.alloc(7);
    head.writeUInt16BE(this.tid, 0);
    head.writeUInt16BE(0, 2);
    head.writeUInt16BE(pdu.length + 1, 4);
    head.writeUInt8(unit, 6);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done({ kind: 'timeout' }), timeoutMs);
      const done = (r: Reply): void => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(r);
      };
      this.waiter = done;
      this.sock.write(Buffer.concat([head, pdu]));
      this.pump();
    });
  }
}

const READ_ONE_REGISTER = Buffer.from([0x03, 0x00, 0x00, 0x00, 0x01]);
const READ_DEVICE_ID_BASIC = Buffer.from([0x2b, 0x0e, 0x01, 0x00]);
const DEVICE_ID_NAMES: Readonly<Record<number, string>> = {
  0: 'vendorName',
  1: 'productCode',
  2: 'revision',
};

/** Whether a PDU is a valid answer to FC 3 for one register: the value, or an exception 1..11. */
function isReadAnswer(pdu: Buffer): boolean {
  if (pdu.length === 4 && pdu[0] === 0x03 && pdu[1] === 2) return true;
  return pdu.length === 2 && pdu[0] === 0x83 && (pdu[1] ?? 0) >= 1 && (pdu[1] ?? 0) <= 11;
}

/** Parses a FC 43/14 basic answer into its objects; undefined when it is not one. */
function parseDeviceId(pdu: Buffer): Record<string, string> | undefined {
  if (pdu.length < 7 || pdu[0] !== 0x2b || pdu[1] !== 0x0e) return undefined;
  const count = pdu[6] ?? 0;
  const out: Record<string, string> = {};
  let at = 7;
  for (let i = 0; i < count; i++) {
    const id = pdu[at];
    const len = pdu[at + 1];
    if (id === undefined || len === undefined || at + 2 + len > pdu.length) return undefined;
    out[DEVICE_ID_NAMES[id] ?? `object${id}`] = printableExcerpt(
      pdu.subarray(at + 2, at + 2 + len),
      255,
    );
    at += 2 + len;
  }
  return out;
}

function connectSocket(target: ProbeTarget, timeoutMs: number): Promise<Socket | ProbeOutcome> {
  return new Promise((resolve) => {
    const sock = netConnect({ host: target.address, port: target.port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ kind: 'silent', reason: 'timeout' });
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      resolve(sock);
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ kind: 'silent', reason: e.code === 'ECONNREFUSED' ? 'refused' : 'unreachable' });
    });
  });
}

export async function probeModbus(
  target: ProbeTarget,
  options: ProbeOptions,
): Promise<ProbeOutcome> {
  const sock = await connectSocket(target, options.timeoutMs);
  if (!(sock instanceof Object && 'write' in sock)) return sock;
  const x = new MbapExchange(sock);
  try {
    const unitIds: number[] = [];
    for (const unit of options.modbusUnitIds) {
      const r = await x.request(unit, READ_ONE_REGISTER, options.timeoutMs);
      if (r.kind === 'timeout') continue;
      if (r.kind === 'closed') break;
      if (r.kind === 'garbage')
        return { kind: 'garbage', seen: printableExcerpt(r.raw), reason: r.reason };
      if (r.unit !== unit || !isReadAnswer(r.pdu))
        return { kind: 'garbage', seen: printableExcerpt(r.raw), reason: 'not an answer to FC 3' };
      unitIds.push(unit);
    }
    if (unitIds.length === 0) return { kind: 'silent', reason: 'timeout' };
    const identification: Record<string, Record<string, string>> = {};
    if (options.modbusDeviceIdentification)
      for (const unit of unitIds) {
        const r = await x.request(unit, READ_DEVICE_ID_BASIC, options.timeoutMs);
        if (r.kind !== 'frame') continue;
        const id = parseDeviceId(r.pdu);
        if (id !== undefined) identification[String(unit)] = id;
      }
    return {
      kind: 'found',
      finding: {
        protocol: 'modbus',
        unitIds,
        ...(Object.keys(identification).length > 0 ? { deviceIdentification: identification } : {}),
      },
    };
  } finally {
    sock.destroy();
  }
}
