/**
 * The ITSM tests' world: the stand-in (image/demo/itsm) on loopback with a change or incident in
 * each state, an IT gateway (the access harness) whose config names a table-API connector and a
 * webhook connector with a key file, and a notification receiver for the unverified alerts.
 * Times are around the harness clock (2026-06-01 08:00 UTC = 10:00 in Berlin, inside plant-1's
 * weekday window).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { writeSecretFile } from '../../../shared/src/crypto/key-file.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import {
  startItsmStandIn,
  type ItsmStandIn,
  type StandInRecord,
} from '../../../image/demo/itsm/itsm-standin.js';
import { HARNESS_START, startHarness, type Harness } from '../../helpers/it-harness.js';
import { seedPlant, type Plant } from '../access/plant-fixture.js';

export const ITSM_PASSWORD = 'itsm-secret-Pa55';
const hour = 3_600_000;
export const at = (hours: number): string => new Date(HARNESS_START + hours * hour).toISOString();

/** Planned 07:00-12:00 UTC unless said otherwise; plant-1's hmi-1 is CI HMI-1, plc-1 is PLC-1. */
export const change = (
  number: string,
  state: string,
  extra: Partial<StandInRecord> = {},
): StandInRecord => ({
  number,
  state,
  assignedTo: 'alice',
  start: at(-1),
  end: at(4),
  ci: 'HMI-1',
  affectedCis: ['PLC-1'],
  ...extra,
});

export const RECORDS: readonly StandInRecord[] = [
  change('CHG0000100', 'Implement', { stateValue: '-1' }),
  change('CHG0000101', 'Assess', { stateValue: '-4' }),
  change('CHG0000102', 'Implement', { start: at(2), end: at(3) }),
  change('CHG0000103', 'Scheduled', { ci: 'PLC-1', affectedCis: [] }),
  change('CHG0000104', 'Implement', { misbehave: 'not-json' }),
  change('CHG0000105', 'Implement', { misbehave: 'bad-shape' }),
  change('CHG0000106', 'Implement', { misbehave: 'hang' }),
  change('CHG0000107', 'Scheduled'),
  change('CHG0000108', 'Implement', { ci: undefined, affectedCis: [] }),
  change('CHG0000109', 'Implement', { misbehave: 'huge' }),
  change('INC0000200', 'In Progress', { ci: 'HMI-1', affectedCis: [] }),
];

export interface ItsmWorld {
  readonly h: Harness;
  readonly p: Plant;
  readonly itsm: ItsmStandIn;
  readonly alerts: Record<string, unknown>[];
  readonly root: string;
  setSite(body: Record<string, unknown>): Promise<void>;
  request(
    ticketRef: string | undefined,
    extra?: Record<string, unknown>,
  ): ReturnType<Harness['call']>;
}

export async function itsmWorld(t: TestContext, timeoutMs = 400): Promise<ItsmWorld> {
  const dir = makeTempDir(t);
  const itsm = await startItsmStandIn({
    records: RECORDS,
    credentials: { username: 'airlock', password: ITSM_PASSWORD },
  });
  t.after(() => itsm.close());
  const credentialsFile = join(dir, 'itsm.json');
  writeSecretFile(
    credentialsFile,
    Buffer.from(JSON.stringify({ username: 'airlock', password: ITSM_PASSWORD })),
  );
  const alerts: Record<string, unknown>[] = [];
  const rx = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => {
      alerts.push(JSON.parse(body) as Record<string, unknown>);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => rx.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => rx.close(() => resolve())));
  const secretFile = join(dir, 'webhook.key');
  writeSecretFile(secretFile, randomBytes(32));
  const h = await startHarness(t, {
    itsm: {
      connectors: {
        snow: { type: 'table-api', url: itsm.url, credentialsFile, timeoutMs },
        hook: { type: 'webhook', url: itsm.webhookUrl, credentialsFile, timeoutMs },
      },
    },
    notifications: {
      webhook: {
        url: `http://127.0.0.1:${(rx.address() as AddressInfo).port}/alerts`,
        secretFile,
        timeoutSeconds: 5,
        maxAttempts: 1,
        initialBackoffSeconds: 1,
      },
    },
  });
  const p = await seedPlant(h);
  const root = await p.token('root');
  const alice = await p.token('alice');
  return {
    h,
    p,
    itsm,
    alerts,
    root,
    async setSite(body) {
      const r = await h.call('PUT', '/api/v1/admin/sites/plant-1/itsm', { token: root, body });
      if (r.status !== 200) throw new Error(`ITSM settings refused: ${r.text}`);
    },
    request: (ticketRef, extra = {}) =>
      h.call('POST', '/api/v1/requests', {
        token: alice,
        body: p.requestBody(10, 70, { ticketRef, ...extra }),
      }),
  };
}
