/**
 * The OPC UA discovery probe: first a raw OPC UA Hello on a plain socket (a port that does not
 * answer with an Acknowledge is garbage, reported with what it sent), then GetEndpoints over a
 * SecurityMode None channel, without creating a session: the endpoints with their security modes
 * and policies, and the SHA-256 of the server certificate they carry (what onboarding pins). Its
 * client PKI lives in the folder given, never in ~/.config. Not guaranteed: over None nothing
 * proves who answered; the pin is checked again, over a secure channel where one is offered, by
 * the broker on every session.
 */
import { connect as netConnect } from 'node:net';
import { MessageSecurityMode, OPCUAClient, SecurityPolicy } from 'node-opcua';
import {
  printableExcerpt,
  type ProbeOptions,
  type ProbeOutcome,
  type ProbeTarget,
  type ProtocolProbe,
} from '../../../../shared/src/model/discovery.js';
import { certificateSha256, createPlantCertificateManager } from './opcua-plant-client.js';

function helloFor(endpointUrl: string): Buffer {
  const url = Buffer.from(endpointUrl, 'utf8');
  const b = Buffer.alloc(32 + url.length);
  b.write('HELF', 0, 'latin1');
  b.writeUInt32LE(b.length, 4);
  b.writeUInt32LE(0, 8); // protocol version
  b.writeUInt32LE(65536, 12); // receive buffer
  b.writeUInt32LE(65536, 16); // send buffer
  b.writeUInt32LE(0, 20); // max message size: no limit
  b.writeUInt32LE(0, 24); // max chunk count: no limit
  b.writeInt32LE(url.length, 28);
  url.copy(b, 32);
  return b;
}

/** Says Hello; `ack` when the answer starts with an OPC UA Acknowledge (or Error) message header. */
function hello(target: ProbeTarget, url: string, timeoutMs: number): Promise<ProbeOutcome | 'ack'> {
  return new Promise((resolve) => {
    let seen = Buffer.alloc(0);
    let connected = false;
    const sock = netConnect({ host: target.address, port: target.port });
    const finish = (o: ProbeOutcome | 'ack'): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(o);
    };
    const timer = setTimeout(
      () =>
        finish(
          seen.length > 0
            ? { kind: 'garbage', seen: printableExcerpt(seen), reason: 'incomplete OPC UA answer' }
            : { kind: 'silent', reason: 'timeout' },
        ),
      timeoutMs,
    );
    sock.on('connect', () => {
      connected = true;
      sock.write(helloFor(url));
    });
    sock.on('data', (d: Buffer) => {
      seen = Buffer.concat([seen, d]).subarray(0, 512);
      if (seen.length < 8) return;
      const type = seen.subarray(0, 4).toString('latin1');
      const size = seen.readUInt32LE(4);
      if ((type === 'ACKF' && size === 28) || (type === 'ERRF' && size >= 16 && size <= 4096))
        finish('ack');
      else
        finish({
          kind: 'garbage',
          seen: printableExcerpt(seen),
          reason: 'not an OPC UA Acknowledge',
        });
    });
    sock.on('error', (e: NodeJS.ErrnoException) =>
      finish(
        connected
          ? { kind: 'silent', reason: 'closed' }
          : { kind: 'silent', reason: e.code === 'ECONNREFUSED' ? 'refused' : 'unreachable' },
      ),
    );
    sock.on('close', () =>
      finish(
        seen.length > 0
          ? {
              kind: 'garbage',
              seen: printableExcerpt(seen),
              reason: 'closed after a partial answer',
            }
          : { kind: 'silent', reason: connected ? 'closed' : 'refused' },
      ),
    );
  });
}

/** The OPC UA probe, with its client PKI in `pkiDir` (created and initialized on first use). */
export function createOpcuaProbe(pkiDir: string): ProtocolProbe {
  const cm = createPlantCertificateManager(pkiDir);
  let ready: Promise<void> | undefined;
  return async (target: ProbeTarget, options: ProbeOptions): Promise<ProbeOutcome> => {
    const url = `opc.tcp://${target.address}:${target.port}`;
    const first = await hello(target, url, options.timeoutMs);
    if (first !== 'ack') return first;
    ready ??= cm.initialize();
    await ready;
    const client = OPCUAClient.create({
      applicationName: 'Airlock OT gateway discovery',
      applicationUri: 'urn:airlock:ot-gateway:discovery',
      clientCertificateManager: cm,
      securityMode: MessageSecurityMode.None,
      securityPolicy: SecurityPolicy.None,
      endpointMustExist: false,
      connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
      transportTimeout: options.timeoutMs,
      defaultTransactionTimeout: options.timeoutMs,
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const endpoints = await Promise.race([
        client.connect(url).then(() => client.getEndpoints()),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('GetEndpoints timed out')), options.timeoutMs);
        }),
      ]);
      const cert = endpoints.find(
        (e) => e.serverCertificate !== null && e.serverCertificate.length > 0,
      )?.serverCertificate;
      return {
        kind: 'found',
        finding: {
          protocol: 'opcua',
          endpoints: endpoints.slice(0, 64).map((e) => ({
            endpointUrl: (e.endpointUrl ?? '').slice(0, 1024),
            securityMode: MessageSecurityMode[e.securityMode] ?? String(e.securityMode),
            securityPolicyUri: (e.securityPolicyUri ?? '').slice(0, 256),
          })),
          ...(cert === undefined || cert === null
            ? {}
            : { certificateSha256: certificateSha256(cert) }),
          ...(endpoints[0]?.server.applicationUri
            ? { applicationUri: endpoints[0].server.applicationUri.slice(0, 1024) }
            : {}),
        },
      };
    } catch (e) {
      return {
        kind: 'garbage',
        seen: (e as Error).message.slice(0, 200),
        reason: 'acknowledged OPC UA Hello but GetEndpoints failed',
      };
    } finally {
      clearTimeout(timer);
      await client.disconnect().catch(() => undefined);
    }
  };
}
