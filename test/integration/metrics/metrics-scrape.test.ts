/**
 * Prometheus /metrics on both gateways, scraped over HTTP(S) as Prometheus would, before and after
 * real sessions with the real OpenSSH client (a refused login code, a refused target, a session
 * that runs): without the token, or with another, both answer 401; with it, the counters moved
 * (login failures, refusals by code, session events, audit events) and the link is online.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { pinnedRequest } from '../../helpers/https-client.js';
import { keyLogin, startSshChain } from '../../helpers/ssh-chain.js';
import { waitFor } from '../../helpers/wait-for.js';

function httpGet(
  port: number,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/metrics', headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(15_000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

/** The value of one sample (`name{labels} value`), 0 when absent. */
function sample(body: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

test(
  '/metrics on both gateways: 401 without the token, counters move after real sessions',
  { timeout: 180_000 },
  async (t) => {
    const token = randomBytes(32).toString('base64url');
    const tokenFile = join(makeTempDir(t), 'metrics-token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const chain = await startSshChain(t, { metricsTokenFile: tokenFile });
    const { alice, bob } = chain.users;
    const otPort = chain.ot?.gw.services.metrics.port;
    assert.ok(otPort !== undefined, 'the OT metrics listener is up');
    const it = (headers: Record<string, string> = {}) =>
      pinnedRequest(`${chain.it.running.url}/metrics`, chain.it.running.tlsFingerprint, {
        headers,
      });
    const ot = (headers: Record<string, string> = {}) => httpGet(otPort, headers);
    const auth = { authorization: `Bearer ${token}` };

    for (const [name, scrape] of [
      ['IT', it],
      ['OT', ot],
    ] as const) {
      assert.equal((await scrape()).status, 401, `${name} without a token`);
      assert.equal(
        (await scrape({ authorization: `Bearer ${'x'.repeat(43)}` })).status,
        401,
        `${name} with another token`,
      );
    }
    const itBefore = (await it(auth)).body;
    const otBefore = (await ot(auth)).body;
    assert.equal(sample(itBefore, 'airlock_link_state', { site: 'plant-1', state: 'online' }), 1);
    assert.equal(sample(otBefore, 'airlock_link_state', { state: 'online' }), 1);

    const key = [...chain.baseOptions(), '-p', String(chain.sshPort), ...keyLogin(alice)];
    // A wrong code: a login failure.
    chain.answers(alice);
    const right = readFileSync(join(chain.dir, 'answer-code'), 'utf8').trim();
    writeFileSync(
      join(chain.dir, 'answer-code'),
      `${String((Number(right) + 1) % 1_000_000).padStart(6, '0')}\n`,
    );
    const wrong = await chain.run('ssh', [...key, 'alice:hmi-1@127.0.0.1', 'true']);
    assert.equal(wrong.code, 255);
    // A session that runs, then a target without a grant: a refusal with its code.
    chain.answers(alice, { stepOffset: 1 });
    const ran = await chain.run('ssh', [...key, 'alice:hmi-1@127.0.0.1', 'echo ran']);
    assert.equal(ran.stdout, 'ran\n', ran.stderr);
    chain.answers(bob);
    const pw = [
      ...chain.baseOptions(),
      '-p',
      String(chain.sshPort),
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'PreferredAuthentications=password,keyboard-interactive',
    ];
    const refused = await chain.run('ssh', [...pw, 'bob:hmi-1@127.0.0.1', 'true']);
    assert.equal(refused.code, 255);

    const itAfter = await waitFor('the IT session end', async () => {
      const b = (await it(auth)).body;
      return sample(b, 'airlock_sessions_total', { state: 'end' }) >
        sample(itBefore, 'airlock_sessions_total', { state: 'end' })
        ? b
        : undefined;
    });
    assert.ok(
      sample(itAfter, 'airlock_login_failures_total', { via: 'ssh' }) >
        sample(itBefore, 'airlock_login_failures_total', { via: 'ssh' }),
      'login failures moved',
    );
    assert.ok(
      sample(itAfter, 'airlock_refusals_total', { code: 'access.no_grant' }) >
        sample(itBefore, 'airlock_refusals_total', { code: 'access.no_grant' }),
      'refusals by code moved',
    );
    assert.ok(
      sample(itAfter, 'airlock_sessions_total', { protocol: 'ssh', state: 'start' }) >= 1,
      'session starts by protocol',
    );
    assert.ok(
      sample(itAfter, 'airlock_audit_events_total', { area: 'auth', outcome: 'success' }) >
        sample(itBefore, 'airlock_audit_events_total', { area: 'auth', outcome: 'success' }),
    );
    assert.ok(sample(itAfter, 'airlock_link_round_trip_seconds', { site: 'plant-1' }) >= 0);
    assert.match(itAfter, /^airlock_process_cpu_seconds_total/m);

    const otAfter = await waitFor('the OT session events', async () => {
      const b = (await ot(auth)).body;
      return sample(b, 'airlock_audit_events_total', { area: 'session', outcome: 'success' }) >
        sample(otBefore, 'airlock_audit_events_total', { area: 'session', outcome: 'success' })
        ? b
        : undefined;
    });
    assert.ok(
      sample(otAfter, 'airlock_audit_events_total', { area: 'ssh', outcome: 'success' }) > 0,
      'the target connect was audited and counted',
    );
    assert.match(otAfter, /^airlock_audit_shipping_lag_events\{gateway="ot"\} \d+$/m);
    assert.match(otAfter, /^airlock_recording_backlog\{gateway="ot"\} \d+$/m);
    assert.match(otAfter, /^airlock_process_cpu_seconds_total\{gateway="ot"\}/m);
    // Every metric the Grafana dashboard queries is one the gateways serve.
    const dashboard = readFileSync(
      join(import.meta.dirname, '../../../../docs/grafana-airlock.json'),
      'utf8',
    );
    const queried = new Set(dashboard.match(/airlock_[a-z0-9_]+/g));
    for (const name of queried)
      assert.ok(
        itAfter.includes(`# TYPE ${name} `) || otAfter.includes(`# TYPE ${name} `),
        `${name} is served`,
      );
  },
);
