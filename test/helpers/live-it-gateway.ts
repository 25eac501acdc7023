/**
 * A real IT gateway for browser and end-to-end tests: its HTTP listener on 127.0.0.1 (an ephemeral
 * port unless `env` names one), its SSH endpoint on an ephemeral port, the real clock unless one
 * is given, random ids, a silent log and recorded site commands (no OT gateway). Stopped when the
 * test ends. Not for tests that need a fake clock end to end: startHarness (it-harness.ts) is.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createItGateway, type ItGateway } from '../../gateway-it/src/app.js';
import { loadItConfig, type ItConfig } from '../../gateway-it/src/config/config.js';
import { systemClock, type Clock } from '../../shared/src/clock.js';
import { randomIds } from '../../shared/src/ids.js';
import { silentLogger } from '../../shared/src/log.js';
import { RecordingSiteCommands } from './fake-site-commands.js';

export interface LiveItGatewayOptions {
  /** `AIRLOCK_IT_DATA_DIR` */
  readonly dataDir: string;
  /** More `AIRLOCK_IT_*` settings, or ones that replace the loopback defaults. */
  readonly env?: Readonly<Record<string, string>>;
  readonly clock?: Clock;
  /** Changes the loaded config before the gateway is built (settings env cannot say). */
  readonly configure?: (config: ItConfig) => ItConfig;
}

export async function startLiveItGateway(
  t: Pick<TestContext, 'after'>,
  options: LiveItGatewayOptions,
): Promise<ItGateway> {
  const cfg = loadItConfig({
    env: {
      AIRLOCK_IT_DATA_DIR: options.dataDir,
      AIRLOCK_IT_HTTP_PORT: '0',
      AIRLOCK_IT_HTTP_HOST: '127.0.0.1',
      AIRLOCK_IT_SSH_PORT: '0',
      ...options.env,
    },
  });
  assert.ok(cfg.ok, cfg.ok ? '' : JSON.stringify(cfg.error));
  const gw = await createItGateway((options.configure ?? ((c) => c))(cfg.value), {
    clock: options.clock ?? systemClock,
    ids: randomIds,
    log: silentLogger,
    siteCommands: new RecordingSiteCommands(),
  });
  t.after(() => gw.stop());
  return gw;
}
