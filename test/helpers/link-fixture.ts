/**
 * In-process IT and OT gateways for link tests: real HTTPS/WebSocket listeners on 127.0.0.1 with
 * ephemeral ports, temp data dirs, and enrollment through the real enrollment call. Everything
 * started is stopped when the test ends.
 *
 * Link timings (`TEST_LINK`): heartbeats are frequent (revocations and clock offsets are seen
 * quickly) but a live link is only declared dead after a minute of silence, and every deadline is
 * generous. Both gateways share this process's event loop, and argon2id hashing or a loaded machine
 * can hold it for seconds; with tight timings the next tick then sees "nothing heard" and drops a
 * link that was fine, and a test acting on the site fails with "site plant-1 is not connected".
 * Tests of offline detection pass their own `link` timings and wait for the state
 * (`waitForSiteState`); every test waits for the site to be connected before it acts on it
 * (`waitForSiteConnected`).
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
import type { LinkState } from '../../gateway-it/src/sites/sites.js';
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

/** IT link timings for tests that do not test offline detection (see the module header). */
export const TEST_LINK = {
  heartbeatSeconds: 0.25,
  offlineAfterSeconds: 60,
  openTimeoutSeconds: 30,
  commandTimeoutSeconds: 30,
  handshakeTimeoutSeconds: 30,
} as const satisfies Partial<ItConfig['link']>;

/** Short IT link timings for tests of offline detection: silence is noticed within seconds. */
export const OFFLINE_TEST_LINK = {
  heartbeatSeconds: 0.5,
  offlineAfterSeconds: 5,
} as const satisfies Partial<ItConfig['link']>;

/** How long a test waits for a link state before it fails (a safety net, not an assertion). */
const LINK_STATE_DEADLINE_MS = 60_000;

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
  /** The portal's public URL (e.g. https://localhost:<port>, where WebAuthn works). */
  readonly publicUrl?: string;
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
  /** SSO providers, as written in a config file (default: none). */
  readonly sso?: unknown;
  /** Prometheus /metrics (default: off). */
  readonly metrics?: ItConfig['metrics'];
}

export async function startIt(
  t: Pick<TestContext, 'after'>,
  o: StartItOptions = {},
): Promise<ItFixture> {
  const dir = o.dir ?? makeTempDir(t, 'airlock-it-');
  const config = itConfigSchema.parse({
    dataDir: join(dir, 'data'),
    http: {
      host: '127.0.0.1',
      port: o.port ?? 0,
      ...(o.publicUrl === undefined ? {} : { publicUrl: o.publicUrl }),
    },
    ssh: { port: 0, ...o.ssh },
    audit: { checkpointEvery: 64, checkpointIntervalSeconds: 0 },
    link: { ...TEST_LINK, ...o.link },
    ...omitUndefined({
      notifications: o.notifications,
      itsm: o.itsm,
      sso: o.sso,
      metrics: o.metrics,
    }),
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
  /** Prometheus /metrics listener (default: none). */
  readonly metrics?: OtConfig['metrics'];
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
      connectTimeoutSeconds: 30,
      enrollmentPollSeconds: 0.1,
      ...o.link,
    },
    ...omitUndefined({ metrics: o.metrics }),
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
      timeoutMs: 30_000,
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
 * Waits until the IT side shows `site` in `state` (polling its link table), failing after a minute
 * with the state it last read. Tests wait for this rather than assume a state after a delay.
 */
export async function waitForSiteState(
  it: ItFixture,
  state: LinkState,
  site: string = SITE,
): Promise<void> {
  let last: LinkState | undefined;
  try {
    await waitFor(
      `site ${site} ${state}`,
      () => (last = it.gw.services.links.get(site).state) === state,
      LINK_STATE_DEADLINE_MS,
    );
  } catch (e) {
    throw new Error(
      `site ${site} did not become ${state} within ${LINK_STATE_DEADLINE_MS / 1000} s on the IT side (it reads ${last ?? 'nothing'})`,
      { cause: e },
    );
  }
}

/** Waits until the IT side has `site` connected: call before acting on the site. */
export function waitForSiteConnected(it: ItFixture, site: string = SITE): Promise<void> {
  return waitForSiteState(it, 'online', site);
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
