/**
 * Pre-authentication limits of the operator SSH endpoint, with raw TCP clients: a connection that
 * sends nothing, or only its identification string, is closed at the login deadline; the
 * (N+1)th unauthenticated connection from one address, or over the total cap, is closed at once;
 * a flood over a cap is audited as one `ssh.preauth_limit` event with the count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { startIt, type ItFixture } from '../../helpers/link-fixture.js';
import { waitFor } from '../../helpers/wait-for.js';

interface Raw {
  readonly socket: Socket;
  /** Resolves with what the server sent before the connection closed. */
  readonly closed: Promise<string>;
  /** What the server sent so far. */
  received(): string;
}

function rawConnect(port: number, t: { after(fn: () => void): void }): Raw {
  const socket = connect(port, '127.0.0.1');
  t.after(() => socket.destroy());
  let data = '';
  socket.on('data', (d: Buffer) => (data += d.toString('latin1')));
  // A refused connection may end with a reset.
  socket.on('error', () => undefined);
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(data)));
  return { socket, closed, received: () => data };
}

/** Admitted: the server sent its identification string (ssh2 speaks first). */
async function admitted(r: Raw): Promise<void> {
  await waitFor('the server identification', () => r.received().startsWith('SSH-2.0-Airlock'));
}

function limitEvents(it: ItFixture): { details: Readonly<Record<string, unknown>> }[] {
  return [...it.gw.services.store.audit.iterate()]
    .filter((e) => e.action === 'ssh.preauth_limit')
    .map((e) => ({ details: e.details }));
}

function sshPort(it: ItFixture): number {
  const port = it.running.ssh?.port;
  assert.ok(port !== undefined, 'the IT gateway has an SSH endpoint');
  return port;
}

test('SSH pre-authentication deadline and caps', { timeout: 120_000 }, async (t) => {
  await t.test('a connection that never logs in is closed at the deadline', async () => {
    const it = await startIt(t, { ssh: { loginTimeoutSeconds: 5 } });
    const port = sshPort(it);
    const silent = rawConnect(port, t);
    const identOnly = rawConnect(port, t);
    await admitted(identOnly);
    identOnly.socket.write('SSH-2.0-OpenSSH_9.2\r\n');
    // Both stay open until the server closes them (the test waits for that, not for a time).
    assert.match(await silent.closed, /^SSH-2\.0-Airlock/);
    await identOnly.closed;
    await waitFor(
      'no unauthenticated connection left',
      () => it.gw.services.ssh?.unauthenticatedCount() === 0,
    );
  });

  await t.test(
    'the (N+1)th connection from one address is refused; one event per flood',
    async () => {
      const it = await startIt(t, {
        ssh: { maxUnauthenticatedPerSource: 3, maxUnauthenticated: 50 },
      });
      const port = sshPort(it);
      const held = [rawConnect(port, t), rawConnect(port, t), rawConnect(port, t)];
      for (const r of held) await admitted(r);
      const refused = rawConnect(port, t);
      assert.equal(await refused.closed, '', 'closed before the server said anything');
      const flood = Array.from({ length: 20 }, () => rawConnect(port, t));
      for (const r of flood) assert.equal(await r.closed, '');
      assert.ok(held.every((r) => !r.socket.destroyed && r.socket.readyState === 'open'));
      assert.equal(limitEvents(it).length, 0, 'the episode is audited when it ends');
      for (const r of held) r.socket.destroy();
      await waitFor('the episode event', () => limitEvents(it).length === 1);
      const [event] = limitEvents(it);
      assert.equal(event?.details['limit'], 'per_source');
      assert.equal(event?.details['source'], '127.0.0.1');
      assert.equal(event?.details['cap'], 3);
      assert.equal(event?.details['refused'], 21);
      // Room again: a new connection is admitted.
      const again = rawConnect(port, t);
      await admitted(again);
      again.socket.destroy();
    },
  );

  await t.test('the total cap refuses over all sources', async () => {
    const it = await startIt(t, {
      ssh: { maxUnauthenticatedPerSource: 10, maxUnauthenticated: 2 },
    });
    const port = sshPort(it);
    const held = [rawConnect(port, t), rawConnect(port, t)];
    for (const r of held) await admitted(r);
    assert.equal(await rawConnect(port, t).closed, '');
    for (const r of held) r.socket.destroy();
    await waitFor('the episode event', () => limitEvents(it).length === 1);
    const [event] = limitEvents(it);
    assert.deepEqual(
      [event?.details['limit'], event?.details['cap'], event?.details['refused']],
      ['total', 2, 1],
    );
  });
});
