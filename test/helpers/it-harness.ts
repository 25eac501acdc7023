/**
 * An IT gateway built in process for API and portal tests by the real composition root
 * (createItGateway: every subsystem's own factory, real SQLite in a temp dir), with fakes injected
 * through its deps only: a FakeClock, sequential ids and a recording SiteCommands. Helpers seed
 * sites, catalogues and users and call the HTTP app as a given user (bearer token) from a given
 * source address. Nothing listens; requests go through `app.request()`; grants expire on the fake
 * clock (the access subsystem is started).
 */
import type { TestContext } from 'node:test';
import { generateSync } from 'otplib';
import { createItGateway, type ItGateway } from '../../gateway-it/src/app.js';
import { loadItConfig } from '../../gateway-it/src/config/config.js';
import type { RoleAssignment, User } from '../../gateway-it/src/store/user-store.js';
import { FakeClock } from '../../shared/src/clock.js';
import { sequentialIds } from '../../shared/src/ids.js';
import { silentLogger } from '../../shared/src/log.js';
import type { CatalogueAsset } from '../../shared/src/model/asset-catalogue.js';
import { RecordingSiteCommands } from './fake-site-commands.js';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { omitUndefined } from '../../shared/src/omit-undefined.js';
import { createUserNow } from './create-user-now.js';

/** Monday 1 June 2026, 08:00 UTC (10:00 in Berlin). */
export const HARNESS_START = Date.UTC(2026, 5, 1, 8, 0);

export interface HarnessUser {
  readonly user: User;
  readonly password: string;
  readonly totpSecret: string;
  readonly recoveryCodes: readonly string[];
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed JSON body (tests read fields freely; undefined when the body is not JSON). */
  readonly json: any;
}

export interface Harness {
  readonly gw: ItGateway;
  readonly app: ReturnType<ItGateway['httpApp']>;
  readonly clock: FakeClock;
  readonly sites: RecordingSiteCommands;
  site(id: string, timezone?: string): void;
  catalogue(site: string, assets: readonly CatalogueAsset[]): void;
  user(
    name: string,
    roles: readonly (RoleAssignment | string)[],
    extra?: { company?: string; contractEnd?: string; canBreakGlass?: boolean },
  ): HarnessUser;
  code(u: HarnessUser, atMs?: number): string;
  /** Logs in through the API (advancing the clock one TOTP step first, so codes never collide). */
  login(u: HarnessUser, source?: string): Promise<string>;
  call(
    method: string,
    path: string,
    options?: {
      token?: string;
      body?: unknown;
      rawBody?: string;
      headers?: Record<string, string>;
      source?: string;
    },
  ): Promise<Answer>;
  auditActions(): string[];
}

export const asset = (
  name: string,
  protocol: CatalogueAsset['protocol'],
  profiles: readonly string[],
): CatalogueAsset => ({
  name,
  protocol,
  description: `${name} test asset`,
  address: '127.0.0.1',
  servicePort: protocol === 'ssh' ? 22 : protocol === 'modbus' ? 502 : 4840,
  profiles: profiles.map((p) => ({ name: p, description: '' })),
});

export function roleOf(text: RoleAssignment | string): RoleAssignment {
  if (typeof text !== 'string') return text;
  const [role, site] = text.split('@') as [RoleAssignment['role'], string | undefined];
  return site === undefined ? { role } : { role, site };
}

export async function startHarness(
  t: Pick<TestContext, 'after'>,
  configOverrides: Record<string, unknown> = {},
): Promise<Harness> {
  const dir = makeTempDir(t);
  const cfg = loadItConfig({ env: { AIRLOCK_IT_DATA_DIR: dir } });
  if (!cfg.ok) throw new Error(JSON.stringify(cfg.error));
  // Tests never take the fixed SSH port (a demo or another test may hold 2222): any free port.
  const config = {
    ...cfg.value,
    ssh: { ...cfg.value.ssh, port: 0 },
    ...configOverrides,
  } as typeof cfg.value;
  const clock = new FakeClock(HARNESS_START);
  const sites = new RecordingSiteCommands();
  const gw = await createItGateway(config, {
    clock,
    ids: sequentialIds(),
    log: silentLogger,
    siteCommands: sites,
  });
  t.after(() => gw.stop());
  gw.services.access.start();
  const app = gw.httpApp();
  const s = gw.services;

  const h: Harness = {
    gw,
    app,
    clock,
    sites,
    site: (id, timezone = 'Europe/Berlin') =>
      void s.auth.userAdmin.createSite({ id, timezone }, 'cli:test'),
    catalogue: (site, assets) => s.store.catalogue.replace(site, assets, clock.now()),
    user(name, roles, extra = {}) {
      const created = createUserNow(s.auth.userAdmin, {
        name,
        roles: roles.map(roleOf),
        ...extra,
      });
      return {
        user: created.user,
        password: created.password,
        totpSecret: created.totpSecret ?? '',
        recoveryCodes: created.recoveryCodes,
      };
    },
    code: (u, atMs = clock.now()) =>
      generateSync({ secret: u.totpSecret, epoch: Math.floor(atMs / 1000) }),
    async login(u, source = '10.0.0.1') {
      clock.advance(30_000);
      const r = await h.call('POST', '/api/v1/auth/login', {
        body: { name: u.user.name, password: u.password, code: h.code(u) },
        source,
      });
      if (r.status !== 200)
        throw new Error(`login of ${u.user.name} failed: ${r.status} ${r.text}`);
      return r.json.token as string;
    },
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined = options.rawBody;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await app.request(
        `https://airlock.test${path}`,
        { method, headers, ...omitUndefined({ body }) },
        { incoming: { socket: { remoteAddress: options.source ?? '10.0.0.1' } } },
      );
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, text, json };
    },
    auditActions: () => [...s.store.audit.iterate()].map((e) => e.action),
  };
  return h;
}
