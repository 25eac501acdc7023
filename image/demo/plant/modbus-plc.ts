/**
 * A simulated Modbus TCP PLC on modbus-serial's ServerTCP, for the demo and for fast tests.
 *
 * Guarantees: listens on loopback only; 65536 coils, discrete inputs, input registers and holding
 * registers held in memory, with believable content at the low addresses (see PLC_MAP); what a
 * client writes stays until the process ends or a test changes it; requests past address 65535
 * get exception 02, oversized quantities 03 (or 04 where modbus-serial fails first); input
 * registers drift slowly on an unref()'d timer (or an injected clock) that stops on close;
 * `close()` drops every client.
 *
 * Not guaranteed (limits of modbus-serial's server, fine for a simulator, not for a proxy): only
 * function codes 1–6, 15, 16 and 43/14 (device identification) are served, others get exception
 * 01; requests for another unit id are dropped without an answer (the client times out); each
 * request costs about 1 ms; port 0 is emulated by picking a free port first (ServerTCP reads 0 as
 * 502), which can race with another process, so start retries a few times on EADDRINUSE.
 */
import { ServerTCP, type IServiceVector } from 'modbus-serial';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { silentLogger, type Logger } from '../../../shared/src/log.js';
import { freePort } from './free-port.js';
import { backgroundClock } from './background-clock.js';
import { loopbackAddress } from './loopback.js';

export interface ModbusPlcOptions {
  /** Loopback only; default 127.0.0.1. */
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** The unit id the PLC answers to, 1–247; default 1. */
  readonly unitId?: number;
  /** How often input registers drift, in ms; 0 keeps them still (for exact assertions). Default 1000. */
  readonly driftIntervalMs?: number;
  /** Source of randomness for drift; default Math.random. */
  readonly random?: () => number;
  /** Drives the drift timer; default real time with unref()'d timers. */
  readonly clock?: Clock;
  readonly log?: Logger;
}

export interface ModbusPlc {
  readonly kind: 'modbus';
  readonly host: string;
  readonly port: number;
  readonly unitId: number;
  getCoil(address: number): boolean;
  getDiscreteInput(address: number): boolean;
  getInputRegister(address: number): number;
  getHoldingRegister(address: number): number;
  setCoil(address: number, value: boolean): void;
  setDiscreteInput(address: number, value: boolean): void;
  setInputRegister(address: number, value: number): void;
  setHoldingRegister(address: number, value: number): void;
  close(): Promise<void>;
}

/** Initial content at the low addresses; scaled integers as real PLCs use (×10 = one decimal). */
export const PLC_MAP = {
  holdingRegisters: [
    ['line speed setpoint (rpm)', 1450],
    ['temperature setpoint (°C ×10)', 725],
    ['pressure setpoint (bar ×100)', 420],
    ['tank level high alarm (% ×10)', 900],
    ['tank level low alarm (% ×10)', 100],
    ['fill valve open time (s)', 30],
    ['mixer speed (rpm)', 600],
    ['batch size (kg)', 500],
    ['recipe number', 1],
    ['mode (0 manual, 1 auto)', 1],
    ['conveyor speed (mm/s)', 120],
    ['heater power limit (%)', 80],
    ['pump 1 flow setpoint (m³/h ×10)', 125],
    ['pump 2 flow setpoint (m³/h ×10)', 125],
    ['alarm delay (s)', 5],
    ['cleaning interval (h)', 24],
    ['max motor current (A ×10)', 180],
    ['ramp up time (s)', 10],
    ['ramp down time (s)', 8],
    ['watchdog timeout (s)', 3],
  ],
  inputRegisters: [
    ['temperature (°C ×10)', 723],
    ['pressure (bar ×100)', 418],
    ['tank level (% ×10)', 645],
    ['motor current (A ×10)', 123],
    ['line speed (rpm)', 1448],
    ['flow (m³/h ×10)', 124],
    ['vibration (mm/s ×100)', 85],
    ['ambient temperature (°C ×10)', 215],
    ['batches today', 37],
    ['hours since maintenance', 74],
  ],
  coils: [
    ['main motor', true],
    ['mixer', true],
    ['fill valve', false],
    ['drain valve', false],
    ['heater', true],
    ['pump 1', true],
    ['pump 2', false],
    ['conveyor', true],
    ['alarm horn', false],
    ['beacon green', true],
    ['beacon red', false],
    ['cooling fan', true],
    ['dosing valve A', false],
    ['dosing valve B', false],
    ['agitator brake', false],
    ['remote enable', true],
  ],
  discreteInputs: [
    ['emergency stop healthy', true],
    ['guard door closed', true],
    ['tank high level', false],
    ['tank low level', false],
    ['motor overload tripped', false],
    ['air pressure ok', true],
    ['heater fault', false],
    ['pump 1 running', true],
    ['pump 2 running', false],
    ['conveyor jam', false],
    ['fill valve open (feedback)', false],
    ['drain valve open (feedback)', false],
  ],
} as const;

const SIZE = 65536;
const MAX_READ_REGISTERS = 125;
const MAX_WRITE_REGISTERS = 123;

/** What modbus-serial's server turns into an exception response. */
class ModbusException extends Error {
  readonly modbusErrorCode: number;
  constructor(code: number, message: string) {
    super(message);
    this.modbusErrorCode = code;
  }
}

function checkRange(address: number, count: number, max: number): void {
  if (count < 1 || count > max)
    throw new ModbusException(0x03, `quantity ${count} outside 1..${max}`);
  if (address < 0 || address + count > SIZE)
    throw new ModbusException(0x02, `address ${address}+${count} outside the register space`);
}

function checkAddress(address: number): number {
  if (!Number.isInteger(address) || address < 0 || address >= SIZE)
    throw new RangeError(`Modbus address ${address} outside 0..65535`);
  return address;
}

export async function startModbusPlc(options: ModbusPlcOptions = {}): Promise<ModbusPlc> {
  const host = loopbackAddress(options.host);
  const log = options.log ?? silentLogger;
  const unitId = options.unitId ?? 1;
  if (!Number.isInteger(unitId) || unitId < 1 || unitId > 247)
    throw new AirlockError('bad_request', 'sim.unit_id', `unit id ${unitId} outside 1..247`);
  const random = options.random ?? Math.random;

  const coils = new Uint8Array(SIZE);
  const discreteInputs = new Uint8Array(SIZE);
  const inputRegisters = new Uint16Array(SIZE);
  const holdingRegisters = new Uint16Array(SIZE);
  PLC_MAP.holdingRegisters.forEach(([, v], i) => (holdingRegisters[i] = v));
  PLC_MAP.inputRegisters.forEach(([, v], i) => (inputRegisters[i] = v));
  PLC_MAP.coils.forEach(([, v], i) => (coils[i] = v ? 1 : 0));
  PLC_MAP.discreteInputs.forEach(([, v], i) => (discreteInputs[i] = v ? 1 : 0));

  const vector: IServiceVector & { readDeviceIdentification: () => Record<number, string> } = {
    getCoil: (addr: number) => {
      checkRange(addr, 1, 1);
      return coils[addr] === 1;
    },
    getDiscreteInput: (addr: number) => {
      checkRange(addr, 1, 1);
      return discreteInputs[addr] === 1;
    },
    getInputRegister: (addr: number) => inputRegisters[addr] ?? 0,
    getHoldingRegister: (addr: number) => holdingRegisters[addr] ?? 0,
    getMultipleInputRegisters: (addr: number, length: number) => {
      checkRange(addr, length, MAX_READ_REGISTERS);
      return Array.from(inputRegisters.subarray(addr, addr + length));
    },
    getMultipleHoldingRegisters: (addr: number, length: number) => {
      checkRange(addr, length, MAX_READ_REGISTERS);
      return Array.from(holdingRegisters.subarray(addr, addr + length));
    },
    setCoil: (addr: number, value: boolean) => {
      checkRange(addr, 1, 1);
      coils[addr] = value ? 1 : 0;
    },
    setRegister: (addr: number, value: number) => {
      holdingRegisters[addr] = value;
    },
    setRegisterArray: (addr: number, values: number[]) => {
      // Checked before any write, so a refused request changes nothing.
      checkRange(addr, values.length, MAX_WRITE_REGISTERS);
      holdingRegisters.set(values, addr);
    },
    readDeviceIdentification: () => ({
      0x00: 'Airlock',
      0x01: 'SIM-PLC',
      0x02: '1.0',
      0x05: 'Line1 PLC (simulated)',
    }),
  };

  const { server, port } = await listenWithRetry(vector, host, options.port ?? 0, unitId, log);

  // Measurements wander within ±2 % of their starting value, like sensors on a running line.
  const driftMs = options.driftIntervalMs ?? 1000;
  const clock = options.clock ?? backgroundClock;
  const drift =
    driftMs > 0
      ? clock.setInterval(() => {
          PLC_MAP.inputRegisters.forEach(([, base], i) => {
            if (i >= 8) return; // counters, not sensors
            const current = inputRegisters[i] ?? base;
            const band = Math.max(1, Math.round(base * 0.02));
            const next = current + Math.round((random() - 0.5) * 2 * Math.max(1, band / 4));
            inputRegisters[i] = Math.min(base + band, Math.max(base - band, next));
          });
        }, driftMs)
      : undefined;

  let closing: Promise<void> | undefined;
  return {
    kind: 'modbus',
    host,
    port,
    unitId,
    getCoil: (a) => coils[checkAddress(a)] === 1,
    getDiscreteInput: (a) => discreteInputs[checkAddress(a)] === 1,
    getInputRegister: (a) => inputRegisters[checkAddress(a)] ?? 0,
    getHoldingRegister: (a) => holdingRegisters[checkAddress(a)] ?? 0,
    setCoil: (a, v) => void (coils[checkAddress(a)] = v ? 1 : 0),
    setDiscreteInput: (a, v) => void (discreteInputs[checkAddress(a)] = v ? 1 : 0),
    setInputRegister: (a, v) => void (inputRegisters[checkAddress(a)] = v),
    setHoldingRegister: (a, v) => void (holdingRegisters[checkAddress(a)] = v),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        drift?.cancel();
        // ServerTCP.close destroys client sockets itself; its callback runs when the listener is gone.
        server.close(() => resolve());
      });
      return closing;
    },
  };
}

async function listenWithRetry(
  vector: IServiceVector,
  host: string,
  requestedPort: number,
  unitId: number,
  log: Logger,
): Promise<{ server: ServerTCP; port: number }> {
  const attempts = requestedPort === 0 ? 5 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = requestedPort === 0 ? await freePort(host) : requestedPort;
    try {
      return { server: await listenOnce(vector, host, port, unitId, log), port };
    } catch (e) {
      const isInUse = e instanceof Error && (e as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (!isInUse || attempt >= attempts)
        throw new AirlockError(
          'unavailable',
          'sim.listen_failed',
          `cannot listen on ${host}:${port}`,
          { cause: e },
        );
    }
  }
}

function listenOnce(
  vector: IServiceVector,
  host: string,
  port: number,
  unitId: number,
  log: Logger,
): Promise<ServerTCP> {
  return new Promise((resolve, reject) => {
    const server = new ServerTCP(vector, { host, port, unitID: unitId });
    let isListening = false;
    server.on('initialized', () => {
      isListening = true;
      resolve(server);
    });
    server.on('serverError', (e: Error | null) => {
      if (isListening) log.warn('modbus listener error', { err: e });
      else reject(e ?? new Error('modbus server failed to listen'));
    });
    server.on('socketError', (e: Error | null) =>
      log.debug('modbus client socket error', { err: e }),
    );
    server.on('error', (e: Error | null) => log.debug('modbus server error', { err: e }));
  });
}
