/**
 * The people and places the access tests share: plant-1 (Berlin) with two OT owners and an
 * auditor, plant-2 (New York) with its own owner, engineers, a vendor, an admin, and a weekday
 * daytime maintenance window on plant-1. Tokens are created lazily (each login costs an argon2id).
 */
import { asset, type Harness, type HarnessUser } from '../../helpers/it-harness.js';

export interface Plant {
  readonly h: Harness;
  readonly users: Record<
    'alice' | 'bob' | 'olga' | 'oscar' | 'paul' | 'audrey' | 'root' | 'victor',
    HarnessUser
  >;
  token(name: keyof Plant['users']): Promise<string>;
  /** ISO time `minutes` from the harness clock's now. */
  at(minutes: number): string;
  /** A request body for plant-1/hmi-1 (maintenance), starting and ending `from`/`to` minutes from now. */
  requestBody(from?: number, to?: number, extra?: Record<string, unknown>): Record<string, unknown>;
}

export async function seedPlant(h: Harness): Promise<Plant> {
  h.site('plant-1', 'Europe/Berlin');
  h.site('plant-2', 'America/New_York');
  h.catalogue('plant-1', [
    asset('hmi-1', 'ssh', ['maintenance', 'read-only']),
    asset('plc-1', 'modbus', ['read-only', 'tuning']),
  ]);
  h.catalogue('plant-2', [asset('hmi-9', 'ssh', ['maintenance'])]);
  const users = {
    alice: h.user('alice', ['engineer']),
    bob: h.user('bob', ['engineer']),
    olga: h.user('olga', ['ot-owner@plant-1']),
    oscar: h.user('oscar', ['ot-owner@plant-1', 'engineer']),
    paul: h.user('paul', ['ot-owner@plant-2']),
    audrey: h.user('audrey', ['auditor@plant-1']),
    root: h.user('root', ['admin']),
    victor: h.user('victor', ['vendor'], { company: 'ACME Automation', contractEnd: '2026-06-30' }),
  };
  h.gw.services.access.windows.addWindow({ cli: 'cli:test' }, 'plant-1', {
    asset: null,
    label: 'weekday daytime',
    rule: {
      kind: 'weekly',
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      start: '08:00',
      end: '18:00',
    },
  });
  const tokens = new Map<string, string>();
  const plant: Plant = {
    h,
    users,
    async token(name) {
      let t = tokens.get(name);
      if (t === undefined) {
        t = await h.login(users[name]);
        tokens.set(name, t);
      }
      return t;
    },
    at: (minutes) => new Date(h.clock.now() + minutes * 60_000).toISOString(),
    requestBody: (from = 10, to = 70, extra = {}) => ({
      site: 'plant-1',
      assets: [{ asset: 'hmi-1', profile: 'maintenance' }],
      start: plant.at(from),
      end: plant.at(to),
      reason: 'replace the HMI panel firmware',
      ticketRef: 'CHG-1042',
      ...extra,
    }),
  };
  return plant;
}
