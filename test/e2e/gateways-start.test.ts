/**
 * The compiled gateways as real processes with real config files: start, answer, refuse bad
 * config with the key named, stop cleanly on SIGTERM leaving a verifiable audit chain.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { IT_MAIN, OT_MAIN, runNode, startNode } from '../../shared/src/testing/processes.js';
import { itCliFixture, otCliFixture } from '../helpers/cli-fixture.js';
import { pinnedRequest } from '../helpers/https-client.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import { openDatabase } from '../../shared/src/store/open-database.js';
import { verifyChain } from '../../shared/src/audit/verify-chain.js';
import { readSecretFile } from '../../shared/src/crypto/key-file.js';
import { publicKeyOf } from '../../shared/src/crypto/signing.js';

useCrypto();

function verifyAuditFile(dbPath: string, keyPath: string): ReturnType<typeof verifyChain> {
  const db = openDatabase({ path: dbPath, migrations: [], readonly: true });
  try {
    const pub = publicKeyOf(readSecretFile(keyPath, 64));
    const rows = db.prepare('SELECT * FROM audit_events ORDER BY seq').all() as Record<
      string,
      unknown
    >[];
    const events = rows.map((r) => ({
      seq: r.seq as number,
      id: r.id as string,
      time: r.time as number,
      actor: r.actor as string,
      action: r.action as string,
      site: r.site as string | null,
      target: r.target as string | null,
      outcome: r.outcome as 'success',
      details: JSON.parse(r.details as string) as Record<string, unknown>,
      prevHash: r.prev_hash as string,
      hash: r.hash as string,
    }));
    const cps = (
      db.prepare('SELECT * FROM audit_checkpoints ORDER BY seq').all() as Record<string, unknown>[]
    ).map((r) => ({
      seq: r.seq as number,
      hash: r.hash as string,
      time: r.time as number,
      signature: r.signature as string,
      publicKey: r.public_key as string,
    }));
    return verifyChain(events, cps, { publicKey: pub });
  } finally {
    db.close();
  }
}

test(
  'the IT gateway serves /healthz over HTTPS with its pinned certificate and stops cleanly',
  { timeout: 60_000 },
  async (t) => {
    const { cfg, dataDir, cli } = itCliFixture(t);
    const site = await cli('site-add', '--site', 'plant-1', '--timezone', 'Europe/Berlin');
    assert.equal(site.code, 0, site.stderr);
    const it = await startNode(t, [IT_MAIN, 'run', '--config', cfg]);
    const port = it.ready.httpsPort as number;
    const fp = String(it.ready.tlsFingerprint).replace(/:/g, '').toLowerCase();
    const res = await pinnedRequest(`https://127.0.0.1:${port}/healthz`, fp);
    assert.equal(res.status, 200);
    const body = res.json<{
      status: string;
      gateway: string;
      sites: { site: string; link: string }[];
    }>();
    assert.equal(body.status, 'ok');
    assert.equal(body.gateway, 'it');
    assert.deepEqual(
      body.sites.map((s) => [s.site, s.link]),
      [['plant-1', 'not-enrolled']],
    );
    await assert.rejects(
      pinnedRequest(`https://127.0.0.1:${port}/healthz`, '00'.repeat(32)),
      /fingerprint/,
    );
    assert.equal(await it.stop('SIGTERM'), 0);
    const v = verifyAuditFile(join(dataDir, 'it.db'), join(dataDir, 'keys', 'audit-signing.key'));
    assert.equal(v.ok, true, v.problem?.message);
    assert.equal(v.events, 3, 'site.create, gateway.start, gateway.stop');
    assert.ok(v.checkpointsVerified >= 1, 'stop signed the head');
  },
);

test(
  'a bad config stops the IT gateway with the key and the expectation named',
  { timeout: 30_000 },
  async (t) => {
    const dir = makeTempDir(t);
    const cfg = join(dir, 'it.json');
    writeFileSync(cfg, JSON.stringify({ dataDir: 'data', http: { port: 'https' }, tsl: {} }));
    const r = await runNode([IT_MAIN, 'run', '--config', cfg]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /http\.port: .*expected number/);
    assert.match(r.stderr, /tsl: unknown key/);
    const env = await runNode([IT_MAIN, 'check-config', '--config', cfg], {
      env: { AIRLOCK_IT_HTTP_PROT: '1' },
    });
    assert.match(env.stderr, /AIRLOCK_IT_HTTP_PROT: unknown environment override/);
    const missing = await runNode([IT_MAIN, 'run']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--config <file> is required/);
    const unknown = await runNode([IT_MAIN, 'fly']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "fly"/);
  },
);

test(
  'the OT gateway starts with its local policy, refuses a bad one, and stops cleanly',
  { timeout: 60_000 },
  async (t) => {
    const { cfg, dataDir, policyFile, cli } = otCliFixture(t, { site: 'plant-1' });
    const check = await cli('check-config');
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /"servicePort": 502/);
    const ot = await startNode(t, [OT_MAIN, 'run', '--config', cfg]);
    assert.deepEqual(ot.ready.assets, ['plc-1']);
    assert.equal(await ot.stop('SIGTERM'), 0);
    const v = verifyAuditFile(join(dataDir, 'ot.db'), join(dataDir, 'keys', 'ot-identity.key'));
    assert.equal(v.ok, true, v.problem?.message);
    assert.equal(v.events, 3, 'gateway.start, config.load, gateway.stop');

    writeFileSync(
      policyFile,
      JSON.stringify({
        assets: {
          'plc-1': {
            protocol: 'modbus',
            address: '127.0.0.1',
            profiles: { x: { unitIds: [300] } },
          },
        },
      }),
    );
    const bad = await cli('check-config');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /assets\.plc-1\.profiles\.x\.unitIds\[0\]: .*255/);
    const run = await cli('run');
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /local policy .* is invalid: assets\.plc-1\.profiles\.x\.unitIds\[0\]/,
    );
  },
);
