/**
 * Command-line arguments of the plant simulator command (plant.ts). Parsing never throws: bad
 * input is a `Result` whose message names the argument, so the command can print it and exit 2.
 */
import { err, ok, type Result } from '../../../shared/src/result.js';
import { isAllowedSimHost } from './loopback.js';

export const SIM_KINDS = ['ssh', 'modbus', 'opcua'] as const;
export type SimKind = (typeof SIM_KINDS)[number];

export interface PlantArgs {
  readonly kinds: readonly SimKind[];
  readonly host: string;
  /** 0: each simulator takes a free port. With `all`, ssh gets N, modbus N+1, opcua N+2. */
  readonly port: number;
  readonly dataDir: string | undefined;
  readonly isHelp: boolean;
}

export const PLANT_USAGE = `usage: node dist/image/demo/plant/plant.js <ssh|modbus|opcua|all> [--port N] [--host 127.0.0.1] [--data-dir DIR]
       node dist/image/demo/plant/plant.js --help

Starts simulated plant peers on loopback for the Airlock demo and tests, and prints one JSON line
per started simulator on stdout with what a client needs (kind, host, port; for ssh the host key
fingerprint and the demo users and passwords; for opcua the endpoint URL and namespace URI).
Logs go to stderr. Ctrl-C or SIGTERM stops everything.

  ssh       SSH target "hmi-1": password login, a small HMI shell, exec, chpasswd for rotators
  modbus    Modbus TCP PLC, unit id 1: coils, discrete inputs, input and holding registers
  opcua     OPC UA server, namespace urn:airlock:sim:plant, Objects/Plant/Line1
  all       all three

  --port N        port to listen on (default 0: a free port). With "all": ssh on N, modbus on
                  N+1, opcua on N+2.
  --host H        127.0.0.1 (default), localhost or ::1; another address only when run inside
                  a network namespace of its own (the zoned demo's plant), else refused.
  --data-dir DIR  keep the SSH host key (DIR/ssh-target/) and the OPC UA PKI (DIR/opcua/) here, so
                  they stay the same across restarts. Default: a temporary directory removed on exit.
  --help          this text.
`;

export function parsePlantArgs(argv: readonly string[]): Result<PlantArgs, string> {
  let kinds: SimKind[] | undefined;
  let host = '127.0.0.1';
  let port = 0;
  let dataDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const takeValue = (): string | undefined => (eq > 0 ? arg.slice(eq + 1) : argv[++i]);
    switch (name) {
      case '--help':
      case '-h':
        return ok({ kinds: [], host, port, dataDir, isHelp: true });
      case '--port': {
        const value = takeValue();
        if (value === undefined || !/^\d+$/.test(value) || Number(value) > 65535) {
          return err(
            `--port expects a number from 0 to 65535, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`,
          );
        }
        port = Number(value);
        break;
      }
      case '--host': {
        const value = takeValue();
        if (value === undefined) return err('--host expects an address');
        if (!isAllowedSimHost(value))
          return err(
            `--host ${value} refused: the simulators listen on loopback only (127.0.0.1, localhost or ::1), or on an address inside a network namespace of their own`,
          );
        host = value;
        break;
      }
      case '--data-dir': {
        const value = takeValue();
        if (value === undefined || value === '') return err('--data-dir expects a directory');
        dataDir = value;
        break;
      }
      default: {
        if (arg.startsWith('-')) return err(`unknown argument ${arg}`);
        if (kinds !== undefined)
          return err(
            `unexpected argument ${JSON.stringify(arg)}: name one simulator (ssh, modbus, opcua) or all`,
          );
        if (arg === 'all') kinds = [...SIM_KINDS];
        else if ((SIM_KINDS as readonly string[]).includes(arg)) kinds = [arg as SimKind];
        else
          return err(
            `unknown simulator ${JSON.stringify(arg)}: expected ssh, modbus, opcua or all`,
          );
      }
    }
  }
  if (kinds === undefined) return err('missing simulator: ssh, modbus, opcua or all');
  if (port !== 0 && port + kinds.length - 1 > 65535)
    return err(`--port ${port} leaves no room for ${kinds.length} ports`);
  return ok({ kinds, host, port, dataDir, isHelp: false });
}
