/**
 * Debian's pymodbus 3.0 as an independent Modbus peer: a client that runs a list of operations and
 * reports each result (values, exception code, or error), and a TCP server acting as a PLC. Both run
 * under /usr/bin/python3 (the python3 first on PATH here is another build without Debian's
 * packages). The server binds port 0 itself and reports it, so there is no port race.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { TestContext } from 'node:test';

export const DEBIAN_PYTHON = '/usr/bin/python3';

const CLIENT = String.raw`
import json, sys, logging
logging.disable(logging.CRITICAL)
from pymodbus.client import ModbusTcpClient
from pymodbus.pdu import ExceptionResponse
host, port, ops = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
c = ModbusTcpClient(host, port=port, timeout=float(sys.argv[4]), retries=0)
if not c.connect():
    print(json.dumps({'error': 'connect failed'})); sys.exit(1)
out = []
for op in ops:
    try:
        r = getattr(c, op['op'])(*op.get('args', []), slave=op.get('unit', 1))
    except Exception as e:
        out.append({'error': type(e).__name__ + ': ' + str(e)}); continue
    if isinstance(r, ExceptionResponse):
        out.append({'exception': r.exception_code})
    elif r.isError():
        out.append({'error': str(r)})
    elif hasattr(r, 'registers'):
        out.append({'values': list(r.registers)})
    elif hasattr(r, 'bits') and op['op'].startswith('read'):
        out.append({'values': [bool(b) for b in r.bits[:op['args'][1]]]})
    else:
        out.append({'ok': True})
c.close()
print(json.dumps(out))
`;

const SERVER = String.raw`
import asyncio, json, logging, sys
logging.disable(logging.CRITICAL)
from pymodbus.datastore import ModbusSequentialDataBlock, ModbusSlaveContext, ModbusServerContext
from pymodbus.server.async_io import ModbusTcpServer
unit, holding = int(sys.argv[1]), json.loads(sys.argv[2])
host, port = sys.argv[3], int(sys.argv[4])
def block(values): return ModbusSequentialDataBlock(0, values + [0] * (1000 - len(values)))
async def main():
    store = ModbusSlaveContext(hr=block(holding), ir=block([]), co=block([]), di=block([]), zero_mode=True)
    server = ModbusTcpServer(ModbusServerContext(slaves={unit: store}, single=False), address=(host, port))
    task = asyncio.create_task(server.serve_forever())
    while server.server is None:
        await asyncio.sleep(0.01)
    print(json.dumps({'event': 'ready', 'port': server.server.sockets[0].getsockname()[1]}), flush=True)
    await task
asyncio.run(main())
`;

export type PyOp =
  | {
      readonly op:
        'read_holding_registers' | 'read_input_registers' | 'read_coils' | 'read_discrete_inputs';
      readonly args: readonly [number, number];
      readonly unit?: number;
    }
  | {
      readonly op: 'write_register';
      readonly args: readonly [number, number];
      readonly unit?: number;
    }
  | {
      readonly op: 'write_registers';
      readonly args: readonly [number, readonly number[]];
      readonly unit?: number;
    }
  | {
      readonly op: 'write_coil';
      readonly args: readonly [number, boolean];
      readonly unit?: number;
    };

export type PyResult =
  | { readonly values: readonly (number | boolean)[] }
  | { readonly exception: number }
  | { readonly ok: true }
  | { readonly error: string };

/** Runs the operations in order on one connection; resolves with one result per operation. */
export async function runPymodbusClient(
  port: number,
  ops: readonly PyOp[],
  timeoutSeconds = 10,
): Promise<PyResult[]> {
  const child = spawn(
    DEBIAN_PYTHON,
    ['-c', CLIENT, '127.0.0.1', String(port), JSON.stringify(ops), String(timeoutSeconds)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let errOut = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (errOut += d.toString()));
  const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(kill);
  if (code !== 0) throw new Error(`pymodbus client exited ${String(code)}: ${out}${errOut}`);
  return JSON.parse(out) as PyResult[];
}

export interface PymodbusServer {
  readonly port: number;
}

/**
 * A pymodbus TCP server answering `unit`, holding registers from `holding` (the rest 0), on
 * 127.0.0.1 and a port of its own unless `at` says otherwise; stopped when the test ends.
 */
export async function startPymodbusServer(
  t: Pick<TestContext, 'after'>,
  unit: number,
  holding: readonly number[],
  at: {
    readonly host?: string;
    readonly port?: number;
    /** A command prefix it runs under, e.g. `ip netns exec <zone>` (it must exec, not fork). */
    readonly wrap?: readonly string[];
  } = {},
): Promise<PymodbusServer> {
  const [command = DEBIAN_PYTHON, ...prefixArgs] = [...(at.wrap ?? []), DEBIAN_PYTHON];
  const args = [
    String(unit),
    JSON.stringify(holding),
    at.host ?? '127.0.0.1',
    String(at.port ?? 0),
  ];
  const child = spawn(command, [...prefixArgs, '-c', SERVER, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit');
  t.after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  let buf = '';
  let errOut = '';
  child.stderr.on('data', (d: Buffer) => (errOut += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`pymodbus server not ready after 15 s: ${errOut}`)),
      15_000,
    );
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n').find((l) => l.includes('"ready"'));
      if (line === undefined) return;
      clearTimeout(timer);
      resolve({ port: (JSON.parse(line) as { port: number }).port });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pymodbus server exited ${String(code)}: ${errOut}`));
    });
  });
}
