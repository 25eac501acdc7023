/**
 * The web terminal's WebSocket endpoint without a browser, with a plain `ws` client against the
 * real IT gateway listening on 127.0.0.1 (the site is a scripted fake: its session stream echoes
 * the operator's bytes back as output). What is refused, and where: another Origin (403, before the
 * upgrade), no portal session (401), a wrong CSRF token in the first frame, watching a session of
 * a site one does not own (refused and audited), input from a watcher; what is carried: keys to the
 * session, output to the operator and to a watcher, resize as `ssh.window`, `ssh.supervisor_present`
 * when an OT owner starts watching; and that logging out ends a live terminal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import WebSocket from 'ws';
import type { SessionStream } from '../../gateway-it/src/sites/sites.js';
import type { SessionControlMessage } from '../../shared/src/link/session-channel.js';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import { startHarness } from '../helpers/it-harness.js';
import { waitFor } from '../helpers/wait-for.js';
import { seedPlant } from './access/plant-fixture.js';

useCrypto();

/** The site's end of a session: echoes keys back as output, records the control messages it got. */
function echoSite(
  sessionId: string,
): SessionStream & { readonly controls: SessionControlMessage[] } {
  const listeners: ((r: string) => void)[] = [];
  const controls: SessionControlMessage[] = [];
  let closed: string | undefined;
  return {
    sessionId,
    stream: new PassThrough(),
    controls,
    sendControl: (m) => void controls.push(m),
    onControl: () => undefined,
    onClose: (l) => (closed === undefined ? listeners.push(l) : l(closed)),
    close(reason) {
      if (closed !== undefined) return;
      closed = reason;
      for (const l of listeners.splice(0)) l(reason);
    },
    get isClosed() {
      return closed !== undefined;
    },
  };
}

interface Client {
  readonly ws: WebSocket;
  readonly texts: Record<string, unknown>[];
  output: string;
  readonly closed: Promise<number>;
}

test(
  'web terminal endpoint: origin, session, CSRF, ownership and read-only checks; bytes and control messages carried; logout ends it',
  { timeout: 60_000 },
  async (t) => {
    const h = await startHarness(t, { http: { host: '127.0.0.1', port: 0 } });
    const p = await seedPlant(h);
    const s = h.gw.services;
    const running = await h.gw.start();
    const origin = `https://127.0.0.1:${running.httpsPort}`;
    const sites: ReturnType<typeof echoSite>[] = [];
    h.sites.opener = async (_site, ticket) => {
      const e = echoSite(ticket.ticket.sessionId);
      sites.push(e);
      return e;
    };
    const id = (
      await h.call('POST', '/api/v1/requests', {
        token: await p.token('alice'),
        body: p.requestBody(0, 120),
      })
    ).json.id as string;
    assert.equal(
      (
        await h.call('POST', `/api/v1/requests/${id}/decision`, {
          token: await p.token('olga'),
          body: { decision: 'approve', comment: 'ok' },
        })
      ).json.outcome,
      'granted',
    );
    const web = (name: 'alice' | 'olga' | 'bob') =>
      s.auth.sessions.issue(p.users[name].user.id, 'web', '127.0.0.1');

    const connect = (path: string, headers: Record<string, string>): Client => {
      const ws = new WebSocket(`wss://127.0.0.1:${running.httpsPort}${path}`, {
        rejectUnauthorized: false,
        headers,
      });
      const c: Client = {
        ws,
        texts: [],
        output: '',
        closed: once(ws, 'close').then(([code]) => code as number),
      };
      ws.on('error', () => undefined);
      ws.on('message', (data, isBinary) => {
        if (isBinary) c.output += data.toString();
        else c.texts.push(JSON.parse(data.toString()) as Record<string, unknown>);
      });
      t.after(() => ws.terminate());
      return c;
    };
    const statusOf = async (path: string, headers: Record<string, string>): Promise<number> => {
      const ws = new WebSocket(`wss://127.0.0.1:${running.httpsPort}${path}`, {
        rejectUnauthorized: false,
        headers,
      });
      ws.on('error', () => undefined);
      const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
      ws.terminate();
      return res.statusCode;
    };
    const open = '/terminal/v1/open?site=plant-1&asset=hmi-1';
    const alice = web('alice');
    const cookie = (secret: string) => `__Host-airlock-session=${secret}`;

    await t.test(
      'refused before the upgrade: another origin, no session, a bad query',
      async () => {
        assert.equal(
          await statusOf(open, { origin: 'https://evil.example', cookie: cookie(alice.secret) }),
          403,
        );
        assert.equal(
          await statusOf(open, {
            origin,
            cookie: cookie(alice.secret),
            'sec-fetch-site': 'cross-site',
          }),
          403,
        );
        assert.equal(await statusOf(open, { origin }), 401);
        assert.equal(await statusOf(open, { origin, cookie: cookie('A'.repeat(43)) }), 401);
        assert.equal(
          await statusOf('/terminal/v1/open?site=plant-1&asset=../x', {
            origin,
            cookie: cookie(alice.secret),
          }),
          404,
        );
      },
    );

    await t.test('a wrong CSRF token in the first frame is refused and opens nothing', async () => {
      const c = connect(open, { origin, cookie: cookie(alice.secret) });
      await once(c.ws, 'open');
      c.ws.send(JSON.stringify({ type: 'start', csrf: 'not-the-token', cols: 80, rows: 24 }));
      assert.equal(await c.closed, 1008);
      assert.equal(c.texts[0]?.code, 'csrf.token');
      assert.equal(h.sites.of('openSession').length, 0);
    });

    let operator: Client;
    await t.test(
      'the operator terminal: pty and shell asked for, keys in, output out, resize',
      async () => {
        operator = connect(open, { origin, cookie: cookie(alice.secret) });
        await once(operator.ws, 'open');
        operator.ws.send(
          JSON.stringify({ type: 'start', csrf: alice.csrfToken, cols: 100, rows: 30 }),
        );
        await waitFor('started', () => operator.texts.find((m) => m.type === 'started'));
        const site = sites[0];
        assert.ok(site);
        assert.deepEqual(site.controls.slice(0, 2), [
          { type: 'ssh.pty', term: 'xterm-256color', cols: 100, rows: 30, width: 0, height: 0 },
          { type: 'ssh.start', kind: 'shell' },
        ]);
        operator.ws.send(Buffer.from('echo hi\r'));
        await waitFor('the echo', () => operator.output.includes('echo hi'));
        operator.ws.send(JSON.stringify({ type: 'resize', cols: 120, rows: 40 }));
        await waitFor('the window change', () =>
          site.controls.find((m) => m.type === 'ssh.window'),
        );
        assert.equal(s.sessions.live.list()[0]?.info.via, 'web');
      },
    );

    await t.test(
      'watching: refused (and audited) for a non-owner; an owner sees output, is announced, and cannot type',
      async () => {
        const session = s.sessions.live.list()[0];
        assert.ok(session);
        const bob = web('bob');
        const b = connect(`/terminal/v1/watch?session=${session.id}`, {
          origin,
          cookie: cookie(bob.secret),
        });
        await once(b.ws, 'open');
        b.ws.send(JSON.stringify({ type: 'watch', csrf: bob.csrfToken }));
        assert.equal(await b.closed, 4003);
        assert.equal(b.texts[0]?.code, 'session.not_owner');
        const denied = [...s.store.audit.iterate()].find(
          (e) => e.action === 'session.watch' && e.outcome === 'denied',
        );
        assert.equal(denied?.actor, 'bob');

        const olga = web('olga');
        const o = connect(`/terminal/v1/watch?session=${session.id}`, {
          origin,
          cookie: cookie(olga.secret),
        });
        await once(o.ws, 'open');
        o.ws.send(JSON.stringify({ type: 'watch', csrf: olga.csrfToken }));
        await waitFor('watching', () => o.texts.find((m) => m.type === 'started'));
        assert.ok(
          sites[0]?.controls.some(
            (m) => m.type === 'ssh.supervisor_present' && m.supervisor === 'olga',
          ),
        );
        operator.ws.send(Buffer.from('date\r'));
        await waitFor('the watcher seeing it', () => o.output.includes('date'));
        o.ws.send(Buffer.from('rm -rf /\r'));
        assert.equal(await o.closed, 1008);
        assert.ok(
          !operator.output.includes('rm -rf'),
          'nothing a watcher sends reaches the session',
        );
        const watch = [...s.store.audit.iterate()]
          .filter((e) => e.action === 'session.watch' && e.actor === 'olga')
          .map((e) => e.details.event);
        assert.deepEqual(watch, ['start', 'stop']);
      },
    );

    await t.test('logging out of the portal ends a live terminal', async () => {
      s.auth.sessions.end(alice.id, 'logout');
      h.clock.advance(31_000);
      assert.equal(await operator.closed, 1008);
      assert.equal(operator.texts.at(-1)?.reason, 'your portal session ended');
      await waitFor('the session ended', () => s.sessions.live.size === 0);
    });
  },
);
