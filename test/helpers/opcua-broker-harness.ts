/**
 * Stands in for the chain in front of the OPC UA broker (link + `ssh -L`) in tests and benchmarks:
 * a TCP listener on 127.0.0.1 whose every accepted connection becomes one brokered session with a
 * ticket for the given user, asset and profile, handed to the broker exactly as the link layer
 * will (a verified BrokerSession and the connection as the OperatorChannel's stream). Audit events
 * are collected in memory; each session's AbortController is kept so a test can end it.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import {
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  UserTokenType,
  type ClientSession,
} from 'node-opcua';
import { PLANT_NAMESPACE_URI } from '../../image/demo/plant/opcua-server.js';
import { systemClock, type Clock } from '../../shared/src/clock.js';
import { silentLogger } from '../../shared/src/log.js';
import type { SessionTicket } from '../../shared/src/model/session-ticket.js';
import { testTicket } from '../../shared/src/testing/test-ticket.js';
import type { AssetPolicy } from '../../gateway-ot/src/policy/local-policy.js';
import type {
  BrokerAuditInput,
  ProtocolBroker,
  SessionEnd,
} from '../../gateway-ot/src/sessions/protocol-broker.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { generateAeadKey } from '../../shared/src/crypto/aead.js';
import { openOtDatabase } from '../../gateway-ot/src/store/ot-database.js';
import { createVaultStore } from '../../gateway-ot/src/store/vault-store.js';
import { openVault, type Vault } from '../../gateway-ot/src/vault/credential-vault.js';
import { createTestAudit } from '../../gateway-ot/src/sessions/broker-session.fixture.js';

export interface RecordedEvent extends BrokerAuditInput {
  readonly actor: string;
  readonly sessionId: string;
  readonly grantId: string;
}

export interface ForwardedSession {
  readonly sessionId: string;
  readonly controller: AbortController;
  readonly socket: Socket;
  readonly end: Promise<SessionEnd>;
}

export interface Forwarder {
  readonly port: number;
  readonly endpointUrl: string;
  readonly events: RecordedEvent[];
  readonly sessions: ForwardedSession[];
  close(): Promise<void>;
}

export interface ForwarderOptions {
  readonly broker: ProtocolBroker;
  readonly assetName: string;
  readonly asset: AssetPolicy;
  readonly profileName: string;
  readonly user: string;
  /** Shared event sink; a fresh array when omitted. */
  readonly events?: RecordedEvent[];
  /** The sessions' clock; default the system clock. */
  readonly clock?: Clock;
  /** Also called with each event (e.g. to append it to a real audit log). */
  readonly onAudit?: (event: RecordedEvent) => void;
}

export function ticketFor(
  user: string,
  assetName: string,
  profile: string,
  sessionId: string,
): SessionTicket {
  return testTicket({
    sessionId,
    grantId: 'grant-1',
    user: { id: `u-${user}`, name: user },
    asset: assetName,
    protocol: 'opcua',
    profile,
    channel: 'tcp-forward',
    approvers: ['owner'],
  });
}

export async function startForwarder(o: ForwarderOptions): Promise<Forwarder> {
  const events = o.events ?? [];
  const sessions: ForwardedSession[] = [];
  let n = 0;
  const server: Server = createServer((socket) => {
    socket.on('error', () => undefined);
    const sessionId = `s-${++n}`;
    const ticket = ticketFor(o.user, o.assetName, o.profileName, sessionId);
    const controller = new AbortController();
    const end = o.broker.handle(
      {
        ticket,
        assetName: o.assetName,
        asset: o.asset,
        currentAsset: () => o.asset,
        profileName: o.profileName,
        audit: (e) => {
          const event = { ...e, actor: e.actor ?? o.user, sessionId, grantId: ticket.grantId };
          events.push(event);
          o.onAudit?.(event);
        },
        log: silentLogger,
        clock: o.clock ?? systemClock,
        signal: controller.signal,
        // The OPC UA broker keeps no counters; a broker that did would fail its test here.
        trackCounts: () => {
          throw new Error('the OPC UA broker reports no counters');
        },
        countsChanged: () => undefined,
      },
      { stream: socket, sendControl: () => undefined, onControl: () => undefined },
    );
    sessions.push({ sessionId, controller, socket, end });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    endpointUrl: `opc.tcp://127.0.0.1:${port}`,
    events,
    sessions,
    close: async () => {
      for (const s of sessions) s.controller.abort('test over');
      await Promise.allSettled(sessions.map((s) => s.end));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A client as an operator's tool would be: its own PKI under `pkiDir`, no retries. */
export function createTestClient(pkiDir: string, mode = MessageSecurityMode.None): OPCUAClient {
  return OPCUAClient.create({
    applicationName: 'operator-tool',
    endpointMustExist: false,
    securityMode: mode,
    securityPolicy:
      mode === MessageSecurityMode.None ? SecurityPolicy.None : SecurityPolicy.Basic256Sha256,
    clientCertificateManager: new OPCUACertificateManager({
      rootFolder: pkiDir,
      automaticallyAcceptUnknownCertificate: true,
      disableFileWatchers: true,
    }),
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
  });
}

export interface OperatorLogin {
  readonly session: ClientSession;
  /** The plant namespace's index in the session's numbering (-1 when the view lacks it). */
  readonly ns: number;
  /** The plant node id in that numbering: `id('Line1.Setpoint')` is `ns=<ns>;s=Line1.Setpoint`. */
  readonly id: (s: string) => string;
}

/**
 * An operator's login as a tool does it: connect `client` to `endpointUrl`, open a UserName
 * session (by default as the grant's user `alice` with an empty password: the broker takes the
 * plant password from the vault) and look up the plant namespace. The caller disconnects.
 */
export async function loginOperator(
  client: OPCUAClient,
  endpointUrl: string,
  identity: { readonly userName?: string; readonly password?: string } = {},
): Promise<OperatorLogin> {
  await client.connect(endpointUrl);
  const session = await client.createSession({
    type: UserTokenType.UserName,
    userName: identity.userName ?? 'alice',
    password: identity.password ?? '',
  });
  const ns = (await session.readNamespaceArray()).indexOf(PLANT_NAMESPACE_URI);
  return { session, ns, id: (s: string): string => `ns=${ns};s=${s}` };
}

/** What onboarding records: the SHA-256 of the certificate the server's endpoints carry. */
export async function fetchServerCertificateSha256(
  endpointUrl: string,
  pkiDir: string,
): Promise<string> {
  const client = createTestClient(join(pkiDir, 'onboarding'));
  try {
    await client.connect(endpointUrl);
    const endpoints = await client.getEndpoints();
    const der = endpoints.find(
      (e) => e.serverCertificate !== null && e.serverCertificate.length > 0,
    )?.serverCertificate;
    if (der === undefined || der === null) throw new Error('the server presents no certificate');
    return createHash('sha256').update(der).digest('hex');
  } finally {
    await client.disconnect();
  }
}

/**
 * A real OT vault (in-memory database, fresh master key) holding the given plant passwords, for a
 * broker run without a gateway; `close()` stops its audit log (a checkpoint timer) and the database.
 */
export async function openTestVault(
  passwords: readonly { asset: string; account: string; password: string }[],
): Promise<{ vault: Vault; close(): void }> {
  await initCrypto();
  const db = openOtDatabase(':memory:');
  const audit = createTestAudit(db, systemClock);
  const vault = openVault({
    store: createVaultStore(db),
    audit,
    clock: systemClock,
    site: 'plant-1',
    masterKey: generateAeadKey(),
  });
  for (const p of passwords)
    vault.set({
      asset: p.asset,
      account: p.account,
      kind: 'password',
      secret: Buffer.from(p.password),
      actor: 'local:test',
    });
  return {
    vault,
    close() {
      audit.close();
      db.close();
    },
  };
}
