/**
 * The simulated plant: starts the SSH target, the Modbus PLC and the OPC UA server, in process
 * (`startPlant`, for the demo launcher and tests) or as a command:
 *
 *   node dist/image/demo/plant/plant.js <ssh|modbus|opcua|all> [--port N] [--host 127.0.0.1] [--data-dir DIR]
 *
 * The command prints one JSON line per simulator on stdout (nothing else goes to stdout: node-opcua's
 * console output is sent to the stderr log), stops cleanly on SIGINT/SIGTERM and exits 2 on bad
 * arguments. The demo users and passwords are printed in those JSON lines on purpose (they are
 * demo values a client needs) and never logged. Everything listens on loopback only
 * (or, run inside a network namespace of its own, on that namespace's address: see loopback.ts).
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { describeError } from '../../../shared/src/errors.js';
import { createLogger, silentLogger, type Logger } from '../../../shared/src/log.js';
import { startModbusPlc, type ModbusPlc } from './modbus-plc.js';
import type { OpcuaSimServer } from './opcua-server.js';
import { PLANT_USAGE, SIM_KINDS, parsePlantArgs, type SimKind } from './plant-args.js';
import { startSshTarget, type SshTarget } from './ssh-target.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';

export { SIM_KINDS, type SimKind } from './plant-args.js';

/** Demo credentials; test values, never real ones. */
export const DEMO_SSH_USERS: Readonly<Record<string, string>> = {
  operator: 'demo-operator',
  rotator: 'demo-rotator',
};
export const DEMO_SSH_ROTATORS: readonly string[] = ['rotator'];
export const DEMO_OPCUA_USERS: Readonly<Record<string, string>> = { operator: 'demo-operator' };

export interface PlantOptions {
  /** Which simulators to start; default all three. */
  readonly kinds?: readonly SimKind[];
  /** Loopback only; default 127.0.0.1. */
  readonly host?: string;
  /** 0 or absent: a free port each. */
  readonly ports?: Readonly<Partial<Record<SimKind, number>>>;
  /** Keeps the SSH host key and OPC UA PKI across restarts; default a temporary directory removed by close(). */
  readonly dataDir?: string;
  readonly sshUsers?: Readonly<Record<string, string>>;
  readonly sshRotators?: readonly string[];
  readonly opcuaUsers?: Readonly<Record<string, string>>;
  readonly log?: Logger;
}

export interface Plant {
  readonly ssh: SshTarget | undefined;
  readonly modbus: ModbusPlc | undefined;
  readonly opcua: OpcuaSimServer | undefined;
  /** One object per started simulator: what a client needs to reach it (demo passwords included). */
  describe(): Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startPlant(options: PlantOptions = {}): Promise<Plant> {
  const kinds = options.kinds ?? SIM_KINDS;
  const log = options.log ?? silentLogger;
  const ownDataDir =
    options.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'airlock-plant-')) : undefined;
  const dataDir = options.dataDir ?? ownDataDir!;
  const sshUsers = options.sshUsers ?? DEMO_SSH_USERS;
  const sshRotators =
    options.sshRotators ?? (options.sshUsers === undefined ? DEMO_SSH_ROTATORS : []);
  const opcuaUsers = options.opcuaUsers ?? DEMO_OPCUA_USERS;
  const hostOption = omitUndefined({ host: options.host });
  const started: { close(): Promise<void> }[] = [];
  let ssh: SshTarget | undefined;
  let modbus: ModbusPlc | undefined;
  let opcua: OpcuaSimServer | undefined;

  const closeAll = async (): Promise<void> => {
    // Stop in reverse order; one failure must not leave the others running.
    const results = await Promise.allSettled(started.reverse().map((s) => s.close()));
    if (ownDataDir !== undefined) rmSync(ownDataDir, { recursive: true, force: true });
    for (const r of results)
      if (r.status === 'rejected') log.warn('simulator did not close cleanly', { err: r.reason });
  };

  try {
    if (kinds.includes('ssh')) {
      ssh = await startSshTarget({
        ...hostOption,
        port: options.ports?.ssh ?? 0,
        users: sshUsers,
        rotators: sshRotators,
        // Without a data dir of the caller's, a fresh key per run is as good as a stored one.
        ...(ownDataDir === undefined
          ? { hostKeyPath: join(dataDir, 'ssh-target', 'ssh_host_ed25519_key') }
          : {}),
        log: log.child({ sim: 'ssh' }),
      });
      started.push(ssh);
    }
    if (kinds.includes('modbus')) {
      modbus = await startModbusPlc({
        ...hostOption,
        port: options.ports?.modbus ?? 0,
        log: log.child({ sim: 'modbus' }),
      });
      started.push(modbus);
    }
    if (kinds.includes('opcua')) {
      // Loaded only when asked for: node-opcua takes about half a second to import.
      const { startOpcuaServer } = await import('./opcua-server.js');
      opcua = await startOpcuaServer({
        ...hostOption,
        port: options.ports?.opcua ?? 0,
        dataDir: join(dataDir, 'opcua'),
        users: opcuaUsers,
        log: log.child({ sim: 'opcua' }),
      });
      started.push(opcua);
    }
  } catch (e) {
    await closeAll();
    throw e;
  }

  let closing: Promise<void> | undefined;
  return {
    ssh,
    modbus,
    opcua,
    describe: () => [
      ...(ssh === undefined
        ? []
        : [
            {
              kind: 'ssh',
              host: ssh.host,
              port: ssh.port,
              hostname: ssh.hostname,
              hostKeyFingerprint: ssh.hostKey.fingerprint,
              hostKey: ssh.hostKey.publicKey,
              knownHostsLine: ssh.knownHostsLine(),
              users: sshUsers,
              rotators: sshRotators,
            },
          ]),
      ...(modbus === undefined
        ? []
        : [{ kind: 'modbus', host: modbus.host, port: modbus.port, unitId: modbus.unitId }]),
      ...(opcua === undefined
        ? []
        : [
            {
              kind: 'opcua',
              host: opcua.host,
              port: opcua.port,
              endpointUrl: opcua.endpointUrl,
              certificateSha256: opcua.certificateSha256,
              namespaceUri: opcua.namespaceUri,
              securityModes: ['None', 'SignAndEncrypt'],
              securityPolicies: ['None', 'Basic256Sha256'],
              users: opcuaUsers,
            },
          ]),
    ],
    close: () => (closing ??= closeAll()),
  };
}

async function main(argv: readonly string[]): Promise<void> {
  const parsed = parsePlantArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`plant: ${parsed.error}\nRun with --help for usage.\n`);
    process.exitCode = 2;
    return;
  }
  const args = parsed.value;
  if (args.isHelp) {
    process.stdout.write(PLANT_USAGE);
    return;
  }
  const log = createLogger({ name: 'plant-sim' });
  // Signals are handled from the start, so Ctrl-C during startup still stops what was started
  // and removes the temporary data directory.
  let plant: Plant | undefined;
  let stopSignal: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopSignal !== undefined) process.exit(130); // a second Ctrl-C: do not wait any longer
    stopSignal = signal;
    log.info('stopping', { signal });
    if (plant !== undefined) void shutDown(plant, log);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  if (args.kinds.includes('opcua')) {
    // node-opcua prints warnings with console.log; stdout is for the JSON lines only.
    const nodeOpcua = await import('node-opcua');
    nodeOpcua.setWarningLogger((_where, ...rest) =>
      log.warn('node-opcua', { text: format(...rest) }),
    );
    nodeOpcua.setErrorLogger((_where, ...rest) =>
      log.error('node-opcua', { text: format(...rest) }),
    );
  }
  const ports: Partial<Record<SimKind, number>> = {};
  args.kinds.forEach((kind, i) => (ports[kind] = args.port === 0 ? 0 : args.port + i));

  try {
    plant = await startPlant({
      kinds: args.kinds,
      host: args.host,
      ports,
      ...omitUndefined({ dataDir: args.dataDir }),
      log,
    });
  } catch (e) {
    process.stderr.write(`plant: could not start: ${describeError(e)}\n`);
    process.exit(1);
  }
  if (stopSignal !== undefined) {
    await shutDown(plant, log);
    return;
  }
  for (const line of plant.describe()) process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function shutDown(plant: Plant, log: Logger): Promise<never> {
  try {
    await plant.close();
  } catch (e) {
    log.error('stop failed', { err: e });
    process.exit(1);
  }
  // Everything is closed and the event loop would drain by itself; exiting here also ends the
  // process while a listener registered elsewhere (a library) still waits for something.
  process.exit(0);
}

function isMainModule(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`plant: ${describeError(e)}\n`);
    process.exit(1);
  });
}
