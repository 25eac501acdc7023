/**
 * WebSocket upgrades on the HTTPS port: each goes to the subsystem whose path it names (the link's
 * /link/, the web terminal's /terminal/), and one that no subsystem takes is answered 404 at once
 * instead of being left hanging.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import WebSocket from 'ws';
import { useCrypto } from '../../shared/src/testing/crypto.js';
import { startHarness } from '../helpers/it-harness.js';

useCrypto();

test(
  'an upgrade no subsystem takes is answered 404; the link and the terminal answer their own',
  {
    timeout: 30_000,
  },
  async (t) => {
    const h = await startHarness(t, { http: { host: '127.0.0.1', port: 0 } });
    const running = await h.gw.start();
    const statusOf = async (path: string): Promise<number> => {
      const ws = new WebSocket(`wss://127.0.0.1:${running.httpsPort}${path}`, {
        rejectUnauthorized: false,
      });
      ws.on('error', () => undefined);
      const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
      ws.terminate();
      return res.statusCode;
    };
    assert.equal(await statusOf('/nothing/here'), 404);
    // The link: a data path for a session nobody is opening.
    assert.equal(await statusOf('/link/v1/data/ses_nobody'), 404);
    // The web terminal: no portal session.
    assert.equal(await statusOf('/terminal/v1/open?site=plant-1&asset=hmi-1'), 403);
  },
);
