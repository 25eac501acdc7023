/**
 * The airlock-it CLI verbs and the running IT gateway write one SQLite database (WAL) at the same
 * time, as an operator's command does on a gateway in service: every verb succeeds, and the
 * gateway answers every login attempt made meanwhile with its refusal (never a 500), each audited.
 * What this does not show: the SQLITE_BUSY_SNAPSHOT failure itself. Its window (between a
 * transaction's first read and its first write) is microseconds wide at this write rate, and this
 * test passed against the build before writeTransaction too; the deterministic demonstration of the
 * cause and the fix is shared/src/store/write-transaction.test.ts. This one guards the coexistence.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { IT_MAIN, startNode, type RunResult } from '../../shared/src/testing/processes.js';
import { openDatabase } from '../../shared/src/store/open-database.js';
import { itCliFixture } from '../helpers/cli-fixture.js';
import { pinnedRequest } from '../helpers/https-client.js';
import { waitFor } from '../helpers/wait-for.js';

test(
  'CLI verbs that write succeed while the running IT gateway writes, and the gateway answers and audits every login attempt meanwhile',
  { timeout: 240_000 },
  async (t) => {
    // The failed logins below are the gateway's writes: keep them from being rate limited
    // (a refusal before the password check writes nothing).
    const { cfg, dataDir, cli } = itCliFixture(t, { auth: { sourceFailureLimit: 10_000 } });
    const site = await cli('site-add', '--site', 'plant-1', '--timezone', 'Europe/Berlin');
    assert.equal(site.code, 0, site.stderr);

    const gw = await startNode(t, [IT_MAIN, 'run', '--config', cfg]);
    const url = `https://127.0.0.1:${gw.ready.httpsPort as number}/api/v1/auth/login`;
    const fp = String(gw.ready.tlsFingerprint).replace(/:/g, '').toLowerCase();

    // A client keeps the gateway writing: each failed login is a read-then-write of the login
    // counters and an audit event, in one transaction. A fresh name each time: no lock, no backoff.
    // One at a time: the gateway checks one login per address at once (another one gets 429).
    const statuses = new Map<number, number>();
    let writing = true;
    const client = async (): Promise<void> => {
      for (let i = 0; writing; i++) {
        const r = await pinnedRequest(url, fp, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            name: `mallory-${i}`,
            password: 'not-the-password',
            code: '000000',
          }),
        });
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    };
    const clients = client();
    await waitFor('the gateway answering failed logins', () => (statuses.get(401) ?? 0) >= 3);

    const verbs: [string, RunResult][] = [];
    const verb = async (...args: string[]): Promise<void> => {
      verbs.push([args.join(' '), await cli(...args)]);
    };
    await verb('user-add', '--name', 'bob', '--role', 'engineer');
    await verb('user-unlock', '--name', 'bob');
    await verb('user-mfa-reset', '--name', 'bob');
    await verb('site-policy', '--site', 'plant-1', '--approvals', '2');
    await verb('site-enroll-token', '--site', 'plant-1');
    const answeredDuring = [...statuses.values()].reduce((a, b) => a + b, 0);
    writing = false;
    await clients;

    for (const [line, r] of verbs) assert.equal(r.code, 0, `airlock-it ${line}: ${r.stderr}`);
    t.diagnostic(`${answeredDuring} failed logins answered while ${verbs.length} verbs ran`);
    assert.deepEqual([...statuses.keys()], [401], `answers: ${JSON.stringify([...statuses])}`);
    assert.ok(answeredDuring > verbs.length, `the gateway wrote throughout (${answeredDuring})`);
    assert.equal(await gw.stop('SIGTERM'), 0, gw.output());

    const db = openDatabase({ path: join(dataDir, 'it.db'), migrations: [], readonly: true });
    try {
      const count = (sql: string): number =>
        db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM audit_events WHERE ${sql}`).get()
          ?.n ?? -1;
      assert.equal(
        count("action = 'auth.login' AND outcome = 'failure'"),
        statuses.get(401),
        'every refused login has its event',
      );
      assert.equal(count("action = 'user.create'"), 1);
      assert.equal(count("action = 'site.enroll_token'"), 1);
    } finally {
      db.close();
    }
  },
);
