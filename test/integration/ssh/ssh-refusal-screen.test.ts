/**
 * After a refused command, the operator's terminal and the recording show the refused line, the
 * notice under it, and a clean prompt: with the real OpenSSH client through both gateways to bash
 * behind a real sshd. The screen is what xterm.js (the web terminal's engine, headless) shows for
 * the bytes ssh printed and for the recording's output; the next command is typed after the
 * refusal and must appear right after a fresh prompt, with no left-over of the refused text.
 * The web terminal reaches the same OT broker and filter, so it gets the same bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshChain } from '../../helpers/ssh-chain.js';
import { spawnOperatorSsh } from '../../helpers/operator-ssh.js';
import { screenLines } from '../../helpers/terminal-screen.js';
import { waitFor } from '../../helpers/wait-for.js';

const PROFILE = {
  mode: 'interactive',
  defaultAction: 'allow',
  lineDiscipline: 'readline',
  rules: [{ pattern: '^sudo\\b', action: 'deny', reason: 'not on the HMI' }],
};

function castsUnder(dir: string): string[] {
  const found: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.cast')) found.push(join(e.parentPath, e.name));
  }
  return found;
}

test(
  'a refused command leaves a clean prompt on the screen and in the recording',
  { timeout: 180_000 },
  async (t) => {
    const chain = await startSshChain(t, { profile: PROFILE });
    const { alice } = chain.users;
    chain.answers(alice);
    const child = spawnOperatorSsh(
      t,
      chain,
      [...chain.keyOptions(alice), '-tt', 'alice:hmi-1@127.0.0.1'],
      { env: { TERM: 'xterm' }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', () => undefined);
    const closed = new Promise((resolve) => child.on('close', resolve));
    const type = (keys: string): void => void child.stdin.write(keys);

    // A shell prompt ends in "$ ".
    await waitFor('the prompt', () => /\$ $/.test(out));
    const prompt = (await screenLines(out)).at(-1) ?? '';
    assert.match(prompt, /\$ $/);
    // Typed as a person does: the keys echo, then Enter.
    type('sudo reboot');
    await waitFor('the echo', () => out.endsWith('sudo reboot'));
    type('\r');
    await waitFor('the refusal', () => out.includes('command refused: not on the HMI'));
    // The next command, typed after the refusal; its output and the prompt after it are waited for.
    type('echo "after-$((6*7))"\r');
    await waitFor('the next command', () => /after-42\r\n[^]*\$ $/.test(out));
    // Pasted with its Enter, before the target echoed anything: the screen still ends clean.
    type('sudo -i\r');
    await waitFor('the second refusal', () => out.split('command refused').length === 3);
    type('echo "again-$((6*7))"\r');
    await waitFor('the command after it', () => /again-42\r\n[^]*\$ $/.test(out));
    type('exit\r');
    await closed;

    const expected = [
      `${prompt}sudo reboot`,
      '[airlock] command refused: not on the HMI',
      `${prompt}echo "after-$((6*7))"`,
      'after-42',
      prompt.trimEnd(),
      '[airlock] command refused: not on the HMI',
      `${prompt}echo "again-$((6*7))"`,
      'again-42',
    ];
    const shown = await screenLines(out);
    const at = shown.indexOf(expected[0] ?? '');
    assert.ok(at >= 0, `the refused line on the screen:\n${shown.join('\n')}`);
    assert.deepEqual(
      shown.slice(at, at + expected.length).map((l) => l.trimEnd()),
      expected,
      shown.join('\n'),
    );

    // The recording replays the same screen.
    const dirs = [chain.ot?.dir ?? '', chain.it.dir].filter((d) => d !== '');
    const file = await waitFor('the recording', () =>
      dirs.flatMap(castsUnder).find((f) => readFileSync(f, 'utf8').includes('after-42')),
    );
    const played = readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as [number, string, string])
      .filter((e) => e[1] === 'o')
      .map((e) => e[2])
      .join('');
    const replayed = await screenLines(played);
    const from = replayed.indexOf(expected[0] ?? '');
    assert.ok(from >= 0, `the refused line in the recording:\n${replayed.join('\n')}`);
    assert.deepEqual(
      replayed.slice(from, from + expected.length).map((l) => l.trimEnd()),
      expected,
      replayed.join('\n'),
    );
  },
);
