/**
 * A test-only TCP front for the Modbus broker: each accepted socket becomes one verified session
 * (`broker.handle(session, { stream: socket, ... })`) with a real in-memory, hash-chained AuditLog,
 * so independent Modbus clients (mbpoll, pymodbus) can talk to the broker as operators will through
 * `ssh -L`. The link layer's ticket checks are not part of it: the session is taken as verified.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { AuditLog } from '../../shared/src/audit/audit-log.js';
import type { AuditEvent, AuditEventInput } from '../../shared/src/audit/audit-event.js';
import { systemClock, type Clock } from '../../shared/src/clock.js';
import { generateSigningKeyPair } from '../../shared/src/crypto/signing.js';
import { initCrypto } from '../../shared/src/crypto/sodium.js';
import { AirlockError } from '../../shared/src/errors.js';
import { sequentialIds } from '../../shared/src/ids.js';
import { silentLogger } from '../../shared/src/log.js';
import type { SessionTicket } from '../../shared/src/model/session-ticket.js';
import { testTicket } from '../../shared/src/testing/test-ticket.js';
import { openDatabase, type Db } from '../../shared/src/store/open-database.js';
import {
  modbusAssetSchema,
  type ModbusAssetPolicy,
} from '../../gateway-ot/src/protocols/modbus/modbus-policy.js';
import { OT_MIGRATIONS } from '../../gateway-ot/src/store/store.js';
import { createOpenSessionStore } from '../../gateway-ot/src/store/open-session-store.js';
import { SessionCountsWriter } from '../../gateway-ot/src/sessions/session-counts.js';
import {
  createModbusBroker,
  type ModbusBrokerDeps,
} from '../../gateway-ot/src/protocols/modbus/modbus-broker.js';
import type {
  BrokerAuditInput,
  BrokerSession,
  ProfileLearning,
  ProtocolBroker,
  SessionEnd,
} from '../../gateway-ot/src/sessions/protocol-broker.js';

export interface BrokerListenerOptions {
  /** The Modbus asset as written in a policy file (parsed here with the real schema). */
  readonly asset: unknown;
  readonly profile: string;
  readonly clock?: Clock;
  readonly deps?: ModbusBrokerDeps;
  /** When it returns true, the session's audit() throws as a full disk would. */
  readonly isAuditBroken?: () => boolean;
  /** auditDurable() waits for this before committing (a slow disk: the session can end meanwhile). */
  readonly auditGate?: () => Promise<void>;
  /** The asset in the policy in force now (a reload; undefined: removed); default `asset` throughout. */
  readonly currentAsset?: () => unknown;
  /** Learn mode for the broker, built on this listener's database and audit log. */
  readonly learning?: (ctx: { readonly db: Db; readonly audit: AuditLog }) => ProfileLearning;
}

export interface BrokerListener {
  readonly port: number;
  readonly audit: AuditLog;
  readonly asset: ModbusAssetPolicy;
  /** Every session's end, in accept order. */
  readonly ends: Promise<SessionEnd>[];
  /** Audit events so far, optionally only one action. */
  events(action?: string): AuditEvent[];
  /** Aborts every live session's signal, as a grant end would. */
  abortAll(reason: string): void;
  close(): Promise<void>;
}

export function ticketFor(asset: string, profile: string, now: number): SessionTicket {
  return testTicket(
    {
      sessionId: 'ses_test',
      grantId: 'gr_test',
      site: 'plant-1',
      asset,
      protocol: 'modbus',
      profile,
      channel: 'tcp-forward',
    },
    now,
  );
}

export async function startBrokerListener(
  t: Pick<TestContext, 'after'>,
  options: BrokerListenerOptions,
): Promise<BrokerListener> {
  await initCrypto();
  const asset = modbusAssetSchema.parse(options.asset);
  const clock = options.clock ?? systemClock;
  // The OT schema, so each session's counters are kept in open_sessions as the gateway keeps them.
  const db = openDatabase({ path: ':memory:', migrations: OT_MIGRATIONS });
  const openSessions = createOpenSessionStore(db);
  const audit = new AuditLog({
    db,
    clock,
    ids: sequentialIds(),
    signingKey: generateSigningKeyPair(),
    checkpointIntervalMs: 0,
  });
  const learning = options.learning?.({ db, audit });
  const broker: ProtocolBroker = createModbusBroker({
    ...options.deps,
    ...(learning === undefined ? {} : { learning }),
  });
  const controllers = new Set<AbortController>();
  const sockets = new Set<Socket>();
  const ends: Promise<SessionEnd>[] = [];
  let n = 0;
  const server: Server = createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    const controller = new AbortController();
    controllers.add(controller);
    const ticket = { ...ticketFor('plc-1', options.profile, clock.now()), sessionId: `ses_${++n}` };
    openSessions.insert({
      sessionId: ticket.sessionId,
      grantId: ticket.grantId,
      userName: ticket.user.name,
      asset: 'plc-1',
      protocol: 'modbus',
      startedAt: clock.now(),
    });
    const counts = new SessionCountsWriter(ticket.sessionId, openSessions, clock, silentLogger);
    const sessionEvent = (e: BrokerAuditInput): AuditEventInput => ({
      ...e,
      actor: e.actor ?? ticket.user.name,
      site: ticket.site,
      details: { ...e.details, sessionId: ticket.sessionId, grantId: ticket.grantId },
    });
    const session: BrokerSession = {
      ticket,
      assetName: 'plc-1',
      asset,
      currentAsset: () => {
        if (options.currentAsset === undefined) return asset;
        const now = options.currentAsset();
        return now === undefined ? undefined : modbusAssetSchema.parse(now);
      },
      profileName: options.profile,
      audit: (e) => {
        if (options.isAuditBroken?.() === true)
          throw new AirlockError('unavailable', 'audit.write_failed', 'disk full (simulated)');
        audit.append(sessionEvent(e));
      },
      // As the OT session manager: the write path awaits the group commit.
      auditDurable: async (e) => {
        if (options.isAuditBroken?.() === true)
          throw new AirlockError('unavailable', 'audit.write_failed', 'disk full (simulated)');
        await options.auditGate?.();
        await audit.appendDurable(sessionEvent(e));
      },
      log: silentLogger,
      clock,
      signal: controller.signal,
      trackCounts: (read) => counts.track(read),
      countsChanged: () => counts.changed(),
    };
    const end = broker.handle(session, {
      stream: socket,
      sendControl: () => undefined,
      onControl: () => undefined,
    });
    ends.push(end);
    void end.finally(() => {
      controllers.delete(controller);
      counts.close();
      openSessions.remove(ticket.sessionId);
    });
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const c of controllers) c.abort('test over');
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled(ends);
      audit.close();
      db.close();
    })();
    return closing;
  };
  t.after(close);
  return {
    port,
    audit,
    asset,
    ends,
    events: (action) =>
      [...audit.iterate()].filter((e) => action === undefined || e.action === action),
    abortAll: (reason) => {
      for (const c of controllers) c.abort(reason);
    },
    close,
  };
}
