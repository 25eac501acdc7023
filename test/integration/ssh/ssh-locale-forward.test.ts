/**
 * What a stock OpenSSH client sends that used to be refused without a word or for no reason: its
 * locale (`SendEnv LANG LC_*`, `SetEnv`) reaches the target when the values are locale names, and
 * everything else is still refused and the operator told; a `-L` forward to an SSH asset fails with
 * "administratively prohibited" and the reason, which `ssh` prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { freePort } from '../../../image/demo/plant/free-port.js';
import { startSshd } from '../../peers/sshd.js';
import { startSshChain } from '../../helpers/ssh-chain.js';
import { spawnOperatorSsh } from '../../helpers/operator-ssh.js';
import { waitFor } from '../../helpers/wait-for.js';

test(
  'locale variables pass, the rest is refused; a refused -L says why',
  { timeout: 180_000 },
  async (t) => {
    const target = await startSshd(t, { extraConfig: ['AcceptEnv LANG LC_* FOO'] });
    const chain = await startSshChain(t, { target });
    const { alice } = chain.users;
    chain.answers(alice);
    const key = chain.keyOptions(alice);

    await t.test(
      'LANG and LC_* with locale values reach the target; others are refused',
      async () => {
        const r = await chain.run(
          'ssh',
          [
            ...key,
            '-o',
            'SendEnv=LANG LC_*',
            '-o',
            'SetEnv=FOO=bar',
            'alice:hmi-1@127.0.0.1',
            'echo "[$LANG|$LC_TIME|${LC_CTYPE-unset}|${FOO-unset}]"',
          ],
          { env: { LANG: 'C.UTF-8', LC_TIME: 'en_GB.UTF-8', LC_CTYPE: 'en_US.UTF-8;id' } },
        );
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, '[C.UTF-8|en_GB.UTF-8|unset|unset]\n');
        assert.doesNotMatch(r.stderr, /LANG is not passed on/);
        assert.doesNotMatch(r.stderr, /LC_TIME/);
        assert.match(r.stderr, /environment variable FOO is not passed on/);
        assert.match(
          r.stderr,
          /environment variable LC_CTYPE is not passed on: its value is not a locale name/,
        );
        const denied = chain.audit('ssh.request_deny');
        const names = denied.flatMap((e) =>
          Array.isArray(e.details['requests'])
            ? (e.details['requests'] as { name: string }[]).map((x) => x.name)
            : [String(e.details['name'])],
        );
        assert.deepEqual(names.sort(), ['FOO', 'LC_CTYPE']);
      },
    );

    await t.test('a -L to an SSH asset fails with the reason, printed by ssh', async () => {
      const port = await freePort();
      const child = spawnOperatorSsh(
        t,
        chain,
        [
          // -v before the options: the first log level given wins.
          '-v',
          ...key,
          '-N',
          '-L',
          `127.0.0.1:${port}:hmi-1:22`,
          'alice:hmi-1@127.0.0.1',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      await waitFor('the forwarding connection', () => chain.audit('auth.login').length >= 2);
      // Connecting to the local port makes ssh open the channel; retried until its listener is up.
      await waitFor('the refusal printed by ssh', async () => {
        await new Promise<void>((resolve) => {
          const s = connect(port, '127.0.0.1');
          s.on('error', () => resolve());
          s.on('close', () => resolve());
          s.setTimeout(2_000, () => s.destroy());
        });
        return /open failed: administratively prohibited: airlock: hmi-1 is an SSH asset/.test(
          stderr,
        );
      });
      const forwards = chain.audit('ssh.forward');
      assert.ok(forwards.length > 0);
      assert.ok(
        forwards.every((f) => f.outcome === 'denied' && f.details.code === 'ssh.forward_ssh_asset'),
      );
    });
  },
);
