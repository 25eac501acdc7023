/**
 * An IT database holding a site's OT log as the link would have ingested it, for tests of what the
 * IT side reads back: an in-memory IT database (closed when the test ends) with site `plant-1`,
 * its OT gateway `gw-1` enrolled with the OT log's public key, and every event and checkpoint of
 * `logs.ot` stored. Returns the ingested-events source over it (gateway-it/src/audit).
 */
import type { TestContext } from 'node:test';
import { toBase64Url } from '../../shared/src/crypto/encoding.js';
import type { SiteId } from '../../shared/src/ids.js';
import { ingestedSiteEvents } from '../../gateway-it/src/audit/audit-chain.js';
import type { TwoLogs } from '../../gateway-it/src/audit/two-logs.fixture.js';
import { openItDatabase } from '../../gateway-it/src/store/it-database.js';
import { OtAuditStore } from '../../gateway-it/src/store/ot-audit-store.js';
import { SiteGatewayStore } from '../../gateway-it/src/store/site-gateway-store.js';
import { SiteStore } from '../../gateway-it/src/store/site-store.js';

export function ingestOtLog(
  t: Pick<TestContext, 'after'>,
  logs: Pick<TwoLogs, 'ot' | 'otKey'>,
): ReturnType<typeof ingestedSiteEvents> {
  const db = openItDatabase(':memory:');
  t.after(() => db.close());
  new SiteStore(db).insert({
    id: 'plant-1' as SiteId,
    displayName: 'Plant 1',
    timezone: 'UTC',
    createdAt: 0,
  });
  const gateways = new SiteGatewayStore(db);
  gateways.insertGateway({
    id: 'gw-1',
    site: 'plant-1',
    publicKey: toBase64Url(logs.otKey.publicKey),
    now: 0,
    by: 'test',
    version: 'x',
  });
  new OtAuditStore(db).insert('gw-1', 'plant-1', [...logs.ot.iterate()], logs.ot.checkpoints(), 0);
  return ingestedSiteEvents(db, (site) => gateways.latest(site));
}
