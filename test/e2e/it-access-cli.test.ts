/**
 * The IT gateway's operator verbs for access, as built processes with a real config file:
 * user-add (with recovery codes), site-policy, window-add, schedule-add, user-unlock and
 * user-mfa-reset; usage errors exit 2 and failures exit 1, each with one clear line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IT_MAIN, runNode } from '../../shared/src/testing/processes.js';
import { itCliFixture } from '../helpers/cli-fixture.js';

test(
  'operators seed policy, windows and schedules and unlock accounts from the command line',
  { timeout: 120_000 },
  async (t) => {
    const it = itCliFixture(t).cli;

    assert.equal(
      (await it('site-add', '--site', 'plant-1', '--timezone', 'Europe/Berlin')).code,
      0,
    );
    const olga = await it('user-add', '--name', 'olga', '--role', 'ot-owner@plant-1', '--json');
    assert.equal(olga.code, 0, olga.stderr);
    const created = JSON.parse(olga.stdout) as { recoveryCodes: string[]; totpSecret: string };
    assert.equal(created.recoveryCodes.length, 10);
    assert.match(created.totpSecret, /^[A-Z2-7]{32}$/);
    const vendorNoContract = await it('user-add', '--name', 'victor', '--role', 'vendor');
    assert.equal(vendorNoContract.code, 1);
    assert.match(
      vendorNoContract.stderr,
      /a vendor needs a company and a contract end date \(user.vendor_contract\)/,
    );
    assert.equal(
      (
        await it(
          'user-add',
          '--name',
          'victor',
          '--role',
          'vendor',
          '--company',
          'ACME',
          '--contract-end',
          '2026-12-31',
        )
      ).code,
      0,
    );

    const policy = await it(
      'site-policy',
      '--site',
      'plant-1',
      '--approvals',
      '2',
      '--ticket-pattern',
      'CHG-[0-9]+',
    );
    assert.equal(policy.code, 0, policy.stderr);
    assert.deepEqual(JSON.parse(policy.stdout), {
      site: 'plant-1',
      requiredApprovals: 2,
      ticketPattern: 'CHG-[0-9]+',
    });
    const badPolicy = await it('site-policy', '--site', 'plant-1', '--approvals', '9');
    assert.equal(badPolicy.code, 1);
    assert.match(badPolicy.stderr, /requiredApprovals must be 1 to 5/);

    const win = await it(
      'window-add',
      '--site',
      'plant-1',
      '--label',
      'night shift',
      '--weekly',
      'mon,tue',
      '--from',
      '22:00',
      '--to',
      '06:00',
    );
    assert.equal(win.code, 0, win.stderr);
    assert.equal(JSON.parse(win.stdout).rule, 'weekly Mon, Tue 22:00-06:00 (next day)');
    const once = await it(
      'window-add',
      '--site',
      'plant-1',
      '--label',
      'shutdown',
      '--start',
      '2026-12-27T06:00:00+01:00',
      '--end',
      '2026-12-27T18:00:00+01:00',
    );
    assert.equal(once.code, 0, once.stderr);
    assert.equal(JSON.parse(once.stdout).rule, 'once 2026-12-27 06:00 - 2026-12-27 18:00');
    const noRule = await it('window-add', '--site', 'plant-1', '--label', 'x');
    assert.equal(noRule.code, 2);
    assert.match(
      noRule.stderr,
      /give --weekly <days> --from HH:MM --to HH:MM, or --start <time> --end <time>/,
    );
    const badDay = await it(
      'window-add',
      '--site',
      'plant-1',
      '--label',
      'x',
      '--weekly',
      'funday',
      '--from',
      '22:00',
      '--to',
      '06:00',
    );
    assert.equal(badDay.code, 2);
    assert.match(badDay.stderr, /invalid window: days\[0\]/);
    const noSite = await it(
      'window-add',
      '--site',
      'plant-9',
      '--label',
      'x',
      '--weekly',
      'mon',
      '--from',
      '22:00',
      '--to',
      '06:00',
    );
    assert.equal(noSite.code, 1);
    assert.match(noSite.stderr, /no site plant-9/);
    // The site's catalogue arrives through the link; without one a schedule names nothing real.
    const sched = await it(
      'schedule-add',
      '--site',
      'plant-1',
      '--vendor',
      'victor',
      '--asset',
      'plc-1',
      '--profile',
      'tuning',
      '--label',
      'job',
      '--weekly',
      'mon',
      '--from',
      '09:00',
      '--to',
      '12:00',
    );
    assert.equal(sched.code, 1);
    assert.match(sched.stderr, /site plant-1 has no asset plc-1/);

    const unlock = await it('user-unlock', '--name', 'olga');
    assert.equal(unlock.code, 0);
    assert.match(unlock.stdout, /olga had no lock or failed logins; recorded anyway/);
    const reset = await it('user-mfa-reset', '--name', 'olga');
    assert.equal(reset.code, 0, reset.stderr);
    assert.equal((await it('user-mfa-reset', '--name', 'nobody')).code, 1);
    const help = await runNode([IT_MAIN, '--help']);
    for (const verb of [
      'user-unlock',
      'user-mfa-reset',
      'site-policy',
      'window-add',
      'schedule-add',
    ])
      assert.match(help.stdout, new RegExp(`\\b${verb}\\b`));
  },
);

test(
  "site-itsm sets a site's ITSM check from the command line, refusing what is wrong",
  { timeout: 120_000 },
  async (t) => {
    const it = itCliFixture(t, {
      itsm: {
        connectors: {
          snow: { type: 'table-api', url: 'http://127.0.0.1:9', credentialsFile: 'itsm.json' },
        },
      },
    }).cli;
    assert.equal(
      (await it('site-add', '--site', 'plant-1', '--timezone', 'Europe/Berlin')).code,
      0,
    );
    const set = await it(
      'site-itsm',
      '--site',
      'plant-1',
      '--connector',
      'snow',
      '--state',
      'Implement',
      '--state',
      'Scheduled',
      '--ci',
      'hmi-1=HMI-1',
      '--on-unavailable',
      'allow-and-flag',
    );
    assert.equal(set.code, 0, set.stderr);
    const s = JSON.parse(set.stdout) as Record<string, unknown>;
    assert.deepEqual(
      [s['connector'], s['allowedStates'], s['assetCis'], s['onUnavailable'], s['workNotes']],
      ['snow', ['Implement', 'Scheduled'], { 'hmi-1': 'HMI-1' }, 'allow-and-flag', true],
    );
    const unknown = await it(
      'site-itsm',
      '--site',
      'plant-1',
      '--connector',
      'jira',
      '--state',
      'Open',
    );
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /connector: no connector jira; configured: snow/);
    const badCi = await it(
      'site-itsm',
      '--site',
      'plant-1',
      '--connector',
      'snow',
      '--ci',
      'HMI-1',
    );
    assert.equal(badCi.code, 2);
    assert.match(badCi.stderr, /--ci expects <asset>=<CI name>, got HMI-1/);
    const off = await it('site-itsm', '--site', 'plant-1', '--off');
    assert.equal(off.code, 0, off.stderr);
    assert.deepEqual(JSON.parse(off.stdout), { site: 'plant-1', itsm: null });
    const help = await runNode([IT_MAIN, '--help']);
    assert.match(help.stdout, /\bsite-itsm\b/);
  },
);
