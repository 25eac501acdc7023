/**
 * `airlock-it evidence-pack` as a built process with a real config file: a grant made on that
 * gateway's database (request by alice, approval by olga, in a window added by `window-add`) is
 * packed to a file that `airlock-it verify-export` verifies with the key `airlock-it audit-key`
 * prints; the window's pack too. Usage errors exit 2 naming the problem (neither or both of
 * --grant/--window, an existing --out), an unknown grant exits 1; each pack is audited with the
 * operator as actor (`audit.evidence_pack`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { IT_MAIN, runNode } from '../../shared/src/testing/processes.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import { createItGateway, type ItGateway } from '../../gateway-it/src/app.js';
import { loadItConfig } from '../../gateway-it/src/config/config.js';
import { systemClock } from '../../shared/src/clock.js';
import { randomIds } from '../../shared/src/ids.js';
import { silentLogger } from '../../shared/src/log.js';
import { itCliFixture } from '../helpers/cli-fixture.js';
import { asset } from '../helpers/it-harness.js';

useCrypto();

async function withGateway<T>(cfg: string, fn: (gw: ItGateway) => Promise<T> | T): Promise<T> {
  const c = loadItConfig({ file: cfg, env: {} });
  assert.ok(c.ok);
  const gw = await createItGateway(c.value, {
    clock: systemClock,
    ids: randomIds,
    log: silentLogger,
  });
  try {
    return await fn(gw);
  } finally {
    await gw.stop();
  }
}

test(
  'evidence-pack writes a pack that verify-export verifies offline',
  { timeout: 120_000 },
  async (t) => {
    const { dir, cfg, cli: it } = itCliFixture(t);
    assert.equal((await it('site-add', '--site', 'plant-1', '--timezone', 'UTC')).code, 0);
    assert.equal((await it('user-add', '--name', 'olga', '--role', 'ot-owner@plant-1')).code, 0);
    assert.equal((await it('user-add', '--name', 'alice', '--role', 'engineer')).code, 0);
    const now = Date.now();
    const win = await it(
      'window-add',
      '--site',
      'plant-1',
      '--label',
      'firmware job',
      '--start',
      new Date(now - 3_600_000).toISOString(),
      '--end',
      new Date(now + 6 * 3_600_000).toISOString(),
    );
    assert.equal(win.code, 0, win.stderr);
    const windowId = (JSON.parse(win.stdout) as { window: string }).window;
    const grantId = await withGateway(cfg, async (gw) => {
      const s = gw.services;
      s.store.catalogue.replace('plant-1', [asset('hmi-1', 'ssh', ['maintenance'])], Date.now());
      const alice = s.store.users.getByName('alice');
      const olga = s.store.users.getByName('olga');
      assert.ok(alice && olga);
      const req = await s.access.requests.create(alice, {
        site: 'plant-1',
        assets: [{ asset: 'hmi-1', profile: 'maintenance' }],
        startsAt: Date.now(),
        endsAt: Date.now() + 3_600_000,
        reason: 'firmware update on the HMI',
      });
      const decided = await s.access.approvals.decide(olga, req.id, 'approve', 'go ahead');
      assert.ok(decided.grantId !== null);
      return decided.grantId;
    });

    const help = await runNode([IT_MAIN, 'evidence-pack', '--help']);
    assert.equal(help.code, 0);
    assert.match(
      help.stdout,
      /usage: airlock-it evidence-pack --config <file> \(--grant <id> \| --window <id>/,
    );
    const out = join(dir, 'grant.tar.gz');
    const neither = await it('evidence-pack', '--out', out);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /give exactly one of --grant <id> or --window <id>/);
    const both = await it('evidence-pack', '--grant', grantId, '--window', windowId, '--out', out);
    assert.equal(both.code, 2);
    const unknown = await it('evidence-pack', '--grant', 'grt-nope', '--out', out);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no grant grt-nope/);

    const made = await it('evidence-pack', '--grant', grantId, '--out', out);
    assert.equal(made.code, 0, made.stderr);
    const pack = JSON.parse(made.stdout) as {
      id: string;
      file: string;
      sha256: string;
      events: number;
    };
    assert.equal(pack.file, out);
    assert.match(pack.sha256, /^[0-9a-f]{64}$/);
    assert.ok(pack.events >= 3, `request, approval and grant events: ${pack.events}`);
    const again = await it('evidence-pack', '--grant', grantId, '--out', out);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /the file exists/);

    const key = (await it('audit-key')).stdout.trim();
    const empty = makeTempDir(t);
    const verified = await runNode([IT_MAIN, 'verify-export', out, `--public-key=${key}`], {
      env: { AIRLOCK_IT_DATADIR: join(empty, 'nothing-here') },
    });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(
      verified.stdout,
      new RegExp(`evidence pack: grant ${grantId}, \\d+ listed events proven`),
    );

    const winOut = join(dir, 'window.tar.gz');
    const w = await it('evidence-pack', '--window', windowId, '--out', winOut);
    assert.equal(w.code, 0, w.stderr);
    const wv = await runNode([IT_MAIN, 'verify-export', winOut, `--public-key=${key}`]);
    assert.equal(wv.code, 0, wv.stdout);
    assert.match(wv.stdout, new RegExp(`evidence pack: window ${windowId}`));

    const audited = await withGateway(cfg, (gw) =>
      [...gw.services.store.audit.iterate()]
        .filter((e) => e.action === 'audit.evidence_pack')
        .map((e) => [
          e.actor.startsWith('cli:'),
          e.outcome,
          e.details.subject,
          e.details.subjectId,
        ]),
    );
    assert.deepEqual(audited, [
      [true, 'success', 'grant', grantId],
      [true, 'success', 'window', windowId],
    ]);
  },
);
