/**
 * In-process IT and OT gateways for link tests: real HTTPS/WebSocket listeners on 127.0.0.1 with
 * ephemeral ports, temp data dirs, short link timings, and enrollment through the real enrollment
 * call. Everything started is stopped when the test ends.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { systemClock, type Clock } from '../../shared/src/clock.js';
import { randomIds } from '../../shared/src/ids.js';
import { silentLogger, type Logger } from '../../shared/src/log.js';
import { toBase64Url } from '../../shared/src/crypto/encoding.js';
import {
  signTicket,
  type SessionTicket,
  type SignedTicket,
} from '../../shared/src/model/session-ticket.js';
import { itConfigSchema, type ItConfig } from '../../gateway-it/src/config/config.js';
import {
  createItGateway,
  type ItGateway,
  type RunningItGateway,
} from '../../gateway-it/src/app.js';
import { otConfigSchema, type OtConfig } from '../../gateway-ot/src/config/ot-config.js';
import { createOtGateway, type OtGateway, type OtDeps } from '../../gateway-ot/src/app.js';
import { enrollGateway } from '../../gateway-ot/src/link/enroll-gateway.js';
import {
  createEnrollmentStore,
  type EnrollmentRecord,
} from '../../gateway-ot/src/store/enrollment-store.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { testTicket } from '../../shared/src/testing/test-ticket.js';
import { waitFor } from './wait-for.js';
import { omitUndefined } from '../../shared/src/omit-undefined.js';

export const SITE = 'plant-1';

export const TEST_POLICY = {
  limits: { maxSessionMinutes: 60, maxConcurrentSessions: 4 },
  assets: {
    'plc-1': {
      protocol: 'modbus',
      address: '127.0.0.1',
      port: 15020,
      description: 'line 1 PLC',
      profiles: { 'read-only': { unitIds: [1] }, maintenance: { unitIds: [1, 2] } },
    },
    'hmi-1': {
      protocol: 'ssh',
      address: '127.0.0.1',
      port: 12022,
      hostKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample',
      username: 'svc',
      profiles: { maintenance: { mode: 'interactive' } },
    },
  },
};

export interface ItFixture {
  readonly gw: ItGateway;
  readonly running: RunningItGateway;
  readonly config: ItConfig;
  readonly dir: string;
  stop(): Promise<void>;
}

export interface StartItOptions {
  readonly dir?: string;
  readonly port?: number;
  readonly clock?: Clock;
  readonly log?: Logger;
  readonly link?: Partial<ItConfig['link']>;
  /** SSH endpoint settings (default: enabled on an ephemeral port). */
  readonly ssh?: Partial<ItConfig['ssh']>;
  readonly site?: string | false;
  /** Outgoing notifications (default: none). */
  readonly notifications?: ItConfig['notifications'];
  /** ITSM connectors (default: none). */
  readonly itsm?: ItConfig['itsm'];
}

export async function startIt(
  t: Pick<TestContext, 'after'>,
  o: StartItOptions = {},
): Promise<ItFixture> {
  const dir = o.dir ?? makeTempDir(t, 'airlock-it-');
  const config = itConfigSchema.parse({
    dataDir: join(dir, 'data'),
    http: { host: '127.0.0.1', port: o.port ?? 0 },
    ssh: { port: 0, ...o.ssh },
    audit: { checkpointEvery: 64, checkpointIntervalSeconds: 0 },
    link: {
      heartbeatSeconds: 0.25,
      offlineAfterSeconds: 1,
      openTimeoutSeconds: 10,
      commandTimeoutSeconds: 5,
      handshakeTimeoutSeconds: 5,
      ...o.link,
    },
    ...omitUndefined({ notifications: o.notifications, itsm: o.itsm }),
  });
  const gw = await createItGateway(config, {
    clock: o.clock ?? systemClock,
    ids: randomIds,
    log: o.log ?? silentLogger,
  });
  const site = o.site ?? SITE;
  if (site !== false && gw.services.store.sites.get(site) === undefined)
    gw.services.auth.userAdmin.createSite({ id: site, timezone: 'Europe/Berlin' }, 'test');
  const running = await gw.start();
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await gw.stop();
  };
  t.after(stop);
  return { gw, running, config, dir, stop };
}

export interface OtFixture {
  readonly gw: OtGateway;
  readonly config: OtConfig;
  readonly dir: string;
  stop(): Promise<void>;
}

export interface StartOtOptions extends Partial<
  Pick<OtDeps, 'brokers' | 'clock' | 'log' | 'recordingOutbox'>
> {
  readonly dir?: string;
  readonly policy?: unknown;
  readonly link?: Partial<OtConfig['link']>;
  /** Enroll with this IT gateway before starting (through the real enrollment call). */
  readonly enrollWith?: ItFixture;
  /** Overrides the IT URL recorded at enrollment (e.g. a proxy in front of the IT gateway). */
  readonly itUrl?: string;
  readonly start?: boolean;
}

export async function startOt(
  t: Pick<TestContext, 'after'>,
  o: StartOtOptions = {},
): Promise<OtFixture> {
  const dir = o.dir ?? makeTempDir(t, 'airlock-ot-');
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(o.policy ?? TEST_POLICY));
  const config = otConfigSchema.parse({
    site: SITE,
    dataDir: join(dir, 'data'),
    policyFile: join(dir, 'policy.json'),
    audit: { checkpointEvery: 64, checkpointIntervalSeconds: 0 },
    link: {
      reconnectMinSeconds: 0.05,
      reconnectMaxSeconds: 0.5,
      connectTimeoutSeconds: 5,
      enrollmentPollSeconds: 0.1,
      ...o.link,
    },
  });
  const gw = await createOtGateway(config, {
    clock: o.clock ?? systemClock,
    ids: randomIds,
    log: o.log ?? silentLogger,
    ...omitUndefined({ brokers: o.brokers, recordingOutbox: o.recordingOutbox }),
  });
  if (o.enrollWith !== undefined) await enrollOt(gw, o.enrollWith, o.itUrl);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await gw.stop();
  };
  t.after(stop);
  if (o.start !== false) await gw.start();
  return { gw, config, dir, stop };
}

/** Issues a token on the IT side and enrolls the OT gateway with it over HTTPS. */
export async function enrollOt(
  ot: OtGateway,
  it: ItFixture,
  itUrl?: string,
): Promise<EnrollmentRecord> {
  const issued = it.gw.services.sites.enrollment.issueToken(SITE, 'test-admin');
  const s = ot.services;
  return enrollGateway(
    {
      audit: s.audit,
      enrollment: createEnrollmentStore(s.db, s.state),
      clock: systemClock,
      identity: s.identity,
      site: s.config.site,
      timeoutMs: 5_000,
    },
    { itUrl: itUrl ?? it.running.url, token: issued.token, fingerprint: issued.itFingerprint },
  );
}

/** A session ticket signed with the IT gateway's grant key (the access workflow will issue these). */
export function makeTicket(
  it: ItFixture,
  now: number,
  overrides: Partial<SessionTicket> = {},
): SignedTicket {
  const ticket = testTicket(
    {
      sessionId: `ses_${toBase64Url(randomBytes(9))}`,
      site: SITE,
      asset: 'plc-1',
      protocol: 'modbus',
      profile: 'read-only',
      channel: 'tcp-forward',
      nonce: toBase64Url(randomBytes(16)),
      ...overrides,
    },
    now,
  );
  return signTicket(ticket, it.gw.services.store.keys.grant.secretKey);
}

/**
 * Waits for the site's link to be online and heard from more than a second after `since`. Creating
 * accounts hashes passwords (argon2id) and can hold the event loop past the test link's 1 s offline
 * timeout; the link is then dropped as soon as the loop runs, and the OT gateway reconnects.
 */
export async function waitForFreshLink(it: ItFixture, since: number): Promise<void> {
  await waitFor('the site online again', () => {
    const l = it.gw.services.links.get(SITE);
    return l.state === 'online' && (l.lastSeen ?? 0) > since + 1_000;
  });
}

/** Audit actions recorded so far by a gateway's own log. */
export function auditActions(
  gw: ItGateway | OtGateway,
): { action: string; outcome: string; details: Readonly<Record<string, unknown>> }[] {
  const log = 'store' in gw.services ? gw.services.store.audit : gw.services.audit;
  return [...log.iterate()].map((e) => ({
    action: e.action,
    outcome: e.outcome,
    details: e.details,
  }));
}
