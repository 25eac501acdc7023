/**
 * The OT gateway dies (SIGKILL) in the middle of an SSH session: the operator's ssh ends with a
 * line saying why and exit status 255, the IT gateway forgets the session, and a new attempt is
 * refused because the site is offline. The OT gateway runs as its own process here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../../helpers/wait-for.js';
import { SITE } from '../../helpers/link-fixture.js';
import { startSshChain, keyLogin } from '../../helpers/ssh-chain.js';

test(
  'kill -9 of the OT gateway mid-session ends the operator session with the reason',
  { timeout: 120_000 },
  async (t) => {
    const chain = await startSshChain(t, { otProcess: true });
    const { alice } = chain.users;
    const s = chain.it.gw.services;
    const key = [...chain.baseOptions(), '-p', String(chain.sshPort), ...keyLogin(alice)];
    // The live-supervision tap shows when the target's shell has answered.
    let seen = '';
    s.sessions.live.subscribe((e) => {
      if (e.type === 'started') e.session.watchOutput((c) => (seen += c.toString()));
    });
    chain.answers(alice);
    const long = chain.run('ssh', [
      ...key,
      'alice:hmi-1@127.0.0.1',
      'echo started; exec sleep 120',
    ]);
    await waitFor('output from the target', () => seen.includes('started'));
    chain.otProcess?.child.kill('SIGKILL');
    const r = await long;
    assert.equal(r.code, 255, r.stderr);
    assert.match(r.stdout, /started/);
    assert.match(r.stderr, /airlock: session ended: /);
    await waitFor('the session to be gone', () => s.sessions.live.size === 0);
    await waitFor('the site to be offline', () => s.links.get(SITE).state !== 'online');
    chain.answers(alice, { stepOffset: 1 });
    const again = await chain.run('ssh', [...key, 'alice:hmi-1@127.0.0.1', 'true']);
    assert.equal(again.code, 255);
    assert.match(again.stderr, /airlock: site plant-1 is not connected/);
    const end = chain.audit('session.end').at(-1);
    assert.ok(end !== undefined && typeof end.details.reason === 'string');
  },
);
