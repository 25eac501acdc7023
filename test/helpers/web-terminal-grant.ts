/**
 * The people and grant the web-terminal browser tests start from: alice (engineer) and olga (OT
 * owner of the fixture site), a maintenance window around now, and alice's request for the given
 * assets approved by olga, all through the IT gateway's own services (audited as in production).
 */
import type { ItServices } from '../../gateway-it/src/app.js';
import { SITE } from './link-fixture.js';

type CreatedUser = Awaited<ReturnType<ItServices['auth']['userAdmin']['createUser']>>;

export async function grantAliceByOlga(
  s: ItServices,
  request: {
    readonly assets: readonly { readonly asset: string; readonly profile: string }[];
    readonly reason: string;
    readonly ticketRef: string;
  },
): Promise<{ alice: CreatedUser; olga: CreatedUser }> {
  const alice = await s.auth.userAdmin.createUser(
    { name: 'alice', displayName: 'Alice Engineer', roles: [{ role: 'engineer' }] },
    'cli:test',
  );
  const olga = await s.auth.userAdmin.createUser(
    { name: 'olga', displayName: 'Olga Owner', roles: [{ role: 'ot-owner', site: SITE }] },
    'cli:test',
  );
  const now = Date.now();
  s.access.windows.addWindow({ cli: 'cli:test' }, SITE, {
    asset: null,
    label: 'test window',
    rule: { kind: 'once', start: now - 3_600_000, end: now + 3 * 3_600_000 },
  });
  const req = await s.access.requests.create(alice.user, {
    site: SITE,
    assets: [...request.assets],
    startsAt: now,
    endsAt: now + 3_600_000,
    reason: request.reason,
    ticketRef: request.ticketRef,
  });
  await s.access.approvals.decide(olga.user, req.id, 'approve', 'ok');
  return { alice, olga };
}
