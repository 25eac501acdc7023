/**
 * A simulated OPC UA server (Line 1 of a plant) on node-opcua, for the demo and for fast tests.
 *
 * Guarantees: listens on loopback only, endpoint URLs name that address; offers None and
 * SignAndEncrypt/Basic256Sha256; users log in with a password from the options (anonymous is
 * refused unless allowed); its PKI (server certificate, trusted and rejected client certificates)
 * lives under `dataDir`, never in ~/.config; unknown client certificates are accepted, because it
 * is a simulator. Address space: namespace `urn:airlock:sim:plant`, Objects > Plant > Line1 with
 * string node ids `ns=<i>;s=Line1.<Name>` (see LINE1_NODES); values move on an unref()'d timer
 * that stops on close.
 *
 * Not guaranteed: roles or per-user rights (every user may write and call), history, alarms,
 * events. Start takes about 1 s (certificate creation on first start in a data dir, nodeset load).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import {
  DataType,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAServer,
  RegisterServerMethod,
  SecurityPolicy,
  StatusCodes,
  Variant,
  standardUnits,
  type CallMethodResultOptions,
  type ISessionContext,
  type UAMethod,
  type UAVariable,
} from 'node-opcua';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { silentLogger, type Logger } from '../../../shared/src/log.js';
import { backgroundClock } from './background-clock.js';
import { loopbackAddress } from './loopback.js';

export const PLANT_NAMESPACE_URI = 'urn:airlock:sim:plant';

/** String identifiers of Line1's nodes in PLANT_NAMESPACE_URI; stable, so rules can name them. */
export const LINE1_NODES = {
  plant: 'Plant',
  line1: 'Line1',
  temperature: 'Line1.Temperature',
  pressure: 'Line1.Pressure',
  motorRunning: 'Line1.MotorRunning',
  motorSpeed: 'Line1.MotorSpeed',
  setpoint: 'Line1.Setpoint',
  batchName: 'Line1.BatchName',
  counter: 'Line1.Counter',
  resetCounter: 'Line1.ResetCounter',
  startMotor: 'Line1.StartMotor',
  stopMotor: 'Line1.StopMotor',
} as const;

export type Line1Node = keyof typeof LINE1_NODES;

export interface OpcuaServerOptions {
  /** Loopback only; default 127.0.0.1. */
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Holds the PKI (pki/ for the server, user-pki/ for user certificates); created when missing. */
  readonly dataDir: string;
  /** User → password for UserName identity tokens. */
  readonly users: Readonly<Record<string, string>>;
  /** Let anonymous sessions in; default false. */
  readonly allowAnonymous?: boolean;
  /** How often the process values move, in ms; 0 keeps them still. Default 1000. */
  readonly updateIntervalMs?: number;
  readonly random?: () => number;
  /** Drives the process values; default real time with unref()'d timers. */
  readonly clock?: Clock;
  readonly log?: Logger;
}

export interface OpcuaSimServer {
  readonly kind: 'opcua';
  readonly host: string;
  readonly port: number;
  readonly endpointUrl: string;
  readonly namespaceUri: string;
  /** SHA-256 (hex) of the server's DER certificate: what an OT owner pins at onboarding. */
  readonly certificateSha256: string;
  /** The namespace index of PLANT_NAMESPACE_URI on this server (clients should resolve the URI). */
  readonly namespaceIndex: number;
  /** `ns=<index>;s=<identifier>` for a Line1 node. */
  nodeId(node: Line1Node): string;
  /** The current value of a Line1 variable, read inside the server (for tests). */
  valueOf(
    node:
      | 'temperature'
      | 'pressure'
      | 'motorRunning'
      | 'motorSpeed'
      | 'setpoint'
      | 'batchName'
      | 'counter',
  ): unknown;
  close(): Promise<void>;
}

export async function startOpcuaServer(options: OpcuaServerOptions): Promise<OpcuaSimServer> {
  const host = loopbackAddress(options.host);
  const log = options.log ?? silentLogger;
  const users = new Map(Object.entries(options.users));
  if (users.size === 0 && options.allowAnonymous !== true) {
    throw new AirlockError(
      'bad_request',
      'sim.no_users',
      'the OPC UA server needs a user or allowAnonymous',
    );
  }
  const random = options.random ?? Math.random;
  const endpointHost = host === '::1' ? '[::1]' : host;

  const server = new OPCUAServer({
    host,
    port: options.port ?? 0,
    hostname: endpointHost,
    // Endpoints for the loopback name only: a client that follows them stays on this machine.
    alternateHostname: [],
    securityModes: [MessageSecurityMode.None, MessageSecurityMode.SignAndEncrypt],
    securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
    allowAnonymous: options.allowAnonymous === true,
    userManager: {
      isValidUser: (username: string, password: string) =>
        users.has(username) && users.get(username) === password,
    },
    serverCertificateManager: certificateManager(join(options.dataDir, 'pki')),
    userCertificateManager: certificateManager(join(options.dataDir, 'user-pki')),
    registerServerMethod: RegisterServerMethod.HIDDEN,
    serverInfo: {
      applicationUri: 'urn:airlock:sim:plant:opcua-server',
      productUri: 'urn:airlock:sim',
      applicationName: { text: 'Airlock plant simulator (Line1)', locale: 'en' },
    },
    buildInfo: {
      productName: 'Airlock plant simulator',
      manufacturerName: 'Airlock',
      softwareVersion: '0.1.0',
    },
  });
  server.on('session_activated', (_session, token) => {
    const userName = (token as { userName?: unknown }).userName;
    log.info('opcua session activated', {
      user: typeof userName === 'string' ? userName : 'anonymous',
    });
  });
  try {
    await server.initialize();
  } catch (e) {
    throw new AirlockError(
      'unavailable',
      'sim.opcua_init_failed',
      'the OPC UA server could not initialize',
      { cause: e },
    );
  }
  const addressSpace = server.engine.addressSpace;
  if (addressSpace === null)
    throw new AirlockError(
      'internal',
      'sim.opcua_no_address_space',
      'node-opcua built no address space',
    );
  const namespace = addressSpace.registerNamespace(PLANT_NAMESPACE_URI);
  const ns = namespace.index;
  const id = (node: Line1Node): string => `ns=${ns};s=${LINE1_NODES[node]}`;

  const plant = namespace.addFolder(addressSpace.rootFolder.objects, {
    browseName: 'Plant',
    nodeId: id('plant'),
  });
  const line1 = namespace.addObject({
    organizedBy: plant,
    browseName: 'Line1',
    nodeId: id('line1'),
    description: 'Mixing line 1',
  });
  const readOnly = { accessLevel: 'CurrentRead', userAccessLevel: 'CurrentRead' } as const;
  const readWrite = {
    accessLevel: 'CurrentRead | CurrentWrite',
    userAccessLevel: 'CurrentRead | CurrentWrite',
  } as const;

  const variables = {
    temperature: namespace.addAnalogDataItem({
      componentOf: line1,
      browseName: 'Temperature',
      nodeId: id('temperature'),
      dataType: 'Double',
      ...readOnly,
      engineeringUnitsRange: { low: -20, high: 200 },
      engineeringUnits: standardUnits.degree_celsius,
    }) as UAVariable,
    pressure: namespace.addVariable({
      componentOf: line1,
      browseName: 'Pressure',
      nodeId: id('pressure'),
      dataType: 'Float',
      ...readOnly,
    }),
    motorRunning: namespace.addVariable({
      componentOf: line1,
      browseName: 'MotorRunning',
      nodeId: id('motorRunning'),
      dataType: 'Boolean',
      ...readOnly,
    }),
    motorSpeed: namespace.addVariable({
      componentOf: line1,
      browseName: 'MotorSpeed',
      nodeId: id('motorSpeed'),
      dataType: 'Double',
      ...readOnly,
    }),
    setpoint: namespace.addAnalogDataItem({
      componentOf: line1,
      browseName: 'Setpoint',
      nodeId: id('setpoint'),
      dataType: 'Double',
      ...readWrite,
      description: 'Temperature setpoint; writes outside 0..100 are refused with BadOutOfRange',
      engineeringUnitsRange: { low: 0, high: 100 },
      instrumentRange: { low: 0, high: 100 },
      engineeringUnits: standardUnits.degree_celsius,
    }) as UAVariable,
    batchName: namespace.addVariable({
      componentOf: line1,
      browseName: 'BatchName',
      nodeId: id('batchName'),
      dataType: 'String',
      ...readWrite,
    }),
    counter: namespace.addVariable({
      componentOf: line1,
      browseName: 'Counter',
      nodeId: id('counter'),
      dataType: 'Int32',
      ...readOnly,
    }),
  };
  const set = (v: UAVariable, dataType: DataType, value: unknown): void => {
    v.setValueFromSource(new Variant({ dataType, value }));
  };
  set(variables.temperature, DataType.Double, 72.3);
  set(variables.pressure, DataType.Float, 4.2);
  set(variables.motorRunning, DataType.Boolean, true);
  set(variables.motorSpeed, DataType.Double, 1450);
  set(variables.setpoint, DataType.Double, 72.5);
  set(variables.batchName, DataType.String, 'BATCH-2026-001');
  set(variables.counter, DataType.Int32, 0);
  const valueOf = (v: UAVariable): unknown => v.readValue().value.value;

  bindMethods(
    namespace.addMethod(line1, { browseName: 'ResetCounter', nodeId: id('resetCounter') }),
    async () => {
      set(variables.counter, DataType.Int32, 0);
      log.info('opcua method ResetCounter');
      return { statusCode: StatusCodes.Good };
    },
  );
  bindMethods(
    namespace.addMethod(line1, {
      browseName: 'StartMotor',
      nodeId: id('startMotor'),
      inputArguments: [
        {
          name: 'speed',
          description: { text: 'motor speed in rpm, 1..3000' },
          dataType: DataType.Double,
        },
      ],
    }),
    async (args) => {
      const speed = args[0]?.value as unknown;
      if (typeof speed !== 'number' || !(speed >= 1 && speed <= 3000))
        return { statusCode: StatusCodes.BadOutOfRange };
      set(variables.motorSpeed, DataType.Double, speed);
      set(variables.motorRunning, DataType.Boolean, true);
      return { statusCode: StatusCodes.Good };
    },
  );
  bindMethods(
    namespace.addMethod(line1, { browseName: 'StopMotor', nodeId: id('stopMotor') }),
    async () => {
      set(variables.motorSpeed, DataType.Double, 0);
      set(variables.motorRunning, DataType.Boolean, false);
      return { statusCode: StatusCodes.Good };
    },
  );

  // The process: temperature follows the setpoint slowly, pressure and the counter need the motor.
  const intervalMs = options.updateIntervalMs ?? 1000;
  const clock = options.clock ?? backgroundClock;
  const timer =
    intervalMs > 0
      ? clock.setInterval(() => {
          const isRunning = valueOf(variables.motorRunning) === true;
          const temperature = Number(valueOf(variables.temperature));
          const setpoint = Number(valueOf(variables.setpoint));
          set(
            variables.temperature,
            DataType.Double,
            Math.round(
              (temperature + (setpoint - temperature) * 0.1 + (random() - 0.5) * 0.1) * 100,
            ) / 100,
          );
          set(variables.pressure, DataType.Float, isRunning ? 4.2 + (random() - 0.5) * 0.2 : 1.0);
          if (isRunning)
            set(
              variables.counter,
              DataType.Int32,
              (Number(valueOf(variables.counter)) + 1) % 2_147_483_647,
            );
        }, intervalMs)
      : undefined;

  try {
    await server.start();
  } catch (e) {
    timer?.cancel();
    await server.shutdown(0).catch(() => undefined);
    throw new AirlockError(
      'unavailable',
      'sim.listen_failed',
      `cannot listen on ${host}:${options.port ?? 0}`,
      { cause: e },
    );
  }
  const endpoint = server.endpoints[0];
  const port = endpoint?.port ?? 0;
  const endpointUrl = `opc.tcp://${endpointHost}:${port}`;
  log.info('opcua server started', { endpointUrl });

  let closing: Promise<void> | undefined;
  return {
    kind: 'opcua',
    host,
    port,
    endpointUrl,
    namespaceUri: PLANT_NAMESPACE_URI,
    namespaceIndex: ns,
    certificateSha256: createHash('sha256').update(server.getCertificate()).digest('hex'),
    nodeId: id,
    valueOf: (node) => valueOf(variables[node]),
    close: () => {
      closing ??= (async () => {
        timer?.cancel();
        // Shutdown also disposes both certificate managers passed in above.
        await server.shutdown(0);
      })();
      return closing;
    },
  };
}

function certificateManager(rootFolder: string): OPCUACertificateManager {
  return new OPCUACertificateManager({
    rootFolder,
    automaticallyAcceptUnknownCertificate: true,
    // No chokidar watchers: nothing edits the PKI folders while the simulator runs.
    disableFileWatchers: true,
  });
}

type MethodBody = (args: readonly Variant[]) => Promise<CallMethodResultOptions>;

function bindMethods(method: UAMethod, body: MethodBody): void {
  // node-opcua tells promise methods from callback ones by arity: this one must take two arguments.
  method.bindMethod(async (inputArguments: Variant[], _context: ISessionContext) =>
    body(inputArguments),
  );
}
