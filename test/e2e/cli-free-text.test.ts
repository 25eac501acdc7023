/**
 * The command line is a boundary like the API (issue 17, item 12): a display name, company or
 * window label with ESC or U+202E is refused with the option named, and nothing is created.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { itCliFixture } from '../helpers/cli-fixture.js';

test(
  'the CLI refuses control and bidi-override characters in free text, naming the option',
  { timeout: 120_000 },
  async (t) => {
    const it = itCliFixture(t).cli;

    const site = await it(
      'site-add',
      '--site',
      'plant-1',
      '--timezone',
      'UTC',
      '--name',
      'P\u001b[2J',
    );
    assert.equal(site.code, 2, site.stderr);
    assert.match(site.stderr, /--name: contains U\+001B \(ESC\) at character 2/);
    assert.equal(
      (await it('site-add', '--site', 'plant-1', '--timezone', 'UTC')).code,
      0,
      'not created before',
    );

    const user = await it(
      'user-add',
      '--name',
      'eve',
      '--role',
      'engineer',
      '--display-name',
      'Eve \u202Egnp.exe',
    );
    assert.equal(user.code, 2, user.stderr);
    assert.match(user.stderr, /--display-name: contains U\+202E \(a bidirectional override\)/);
    const company = await it(
      'user-add',
      '--name',
      'eve',
      '--role',
      'vendor',
      '--company',
      'ACME\u009b31m',
      '--contract-end',
      '2099-01-01',
    );
    assert.equal(company.code, 2, company.stderr);
    assert.match(company.stderr, /--company: contains U\+009B \(CSI\)/);
    const eve = await it('user-add', '--name', 'eve', '--role', 'engineer');
    assert.equal(eve.code, 0, `eve was not created before: ${eve.stderr}`);

    const label = await it(
      'window-add',
      '--site',
      'plant-1',
      '--label',
      'night\u001b]0;x',
      '--weekly',
      'mon',
      '--from',
      '22:00',
      '--to',
      '06:00',
    );
    assert.equal(label.code, 1, label.stderr);
    assert.match(label.stderr, /label: contains U\+001B \(ESC\)/);
  },
);
