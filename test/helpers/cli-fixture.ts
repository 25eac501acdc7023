/**
 * A built gateway's command line as the e2e tests drive it: a temp dir (removed when the test
 * ends, pass or fail) holding a real config file, and a runner for `<verb> ... --config <file>`
 * as a process of its own.
 * - `itCliFixture`: an `it.json` with data in `data/` and every listener on loopback with an
 *   ephemeral port, so a test may also start the gateway from the same file
 *   (`startNode(t, [IT_MAIN, 'run', '--config', fx.cfg])`). Keys passed in replace the defaults.
 * - `otCliFixture`: an `ot.json` for one site with data in `data/` and the test's local policy
 *   (one Modbus PLC unless given) written to `policy.json` beside it.
 * What it does not do: start or stop a gateway (startNode does both), or check the config (a test
 * of a bad config writes its own file).
 * Test support only: the product never imports test/.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { makeTempDir } from '../../shared/src/testing/temp-dir.js';
import { IT_MAIN, OT_MAIN, runNode, type RunResult } from '../../shared/src/testing/processes.js';

/** What runNode takes besides the arguments: stdin input, environment, timeout. */
export type CliRunOptions = NonNullable<Parameters<typeof runNode>[1]>;

export interface CliFixture {
  /** The temp dir that holds the config file. */
  readonly dir: string;
  /** The config file's path. */
  readonly cfg: string;
  /** The data directory the config names, absolute. */
  readonly dataDir: string;
  /** Runs the CLI with `args` and `--config <cfg>`, to completion. */
  readonly cli: (...args: string[]) => Promise<RunResult>;
  /** The same, with stdin input or environment for the process (a secret goes in on stdin). */
  readonly cliWith: (options: CliRunOptions, ...args: string[]) => Promise<RunResult>;
}

export interface OtCliFixture extends CliFixture {
  /** The local policy file's path (a test rewrites it to check a bad policy). */
  readonly policyFile: string;
  /** `vault-set --asset <asset> --account <account>` with the secret and a newline on stdin. */
  readonly vaultSet: (asset: string, account: string, secret: string) => Promise<RunResult>;
}

/** One Modbus PLC, `plc-1`, read-only on unit 1: a policy for tests that need one, not a plant. */
export const ONE_PLC_POLICY = {
  assets: {
    'plc-1': {
      protocol: 'modbus',
      address: '127.0.0.1',
      port: 15020,
      profiles: { 'read-only': { unitIds: [1] } },
    },
  },
};

/** One SSH host, `hmi-1` (port 22, account `operator`), that nothing dials: for vault verbs. */
export const ONE_SSH_HOST_POLICY = {
  assets: {
    'hmi-1': {
      protocol: 'ssh',
      address: '127.0.0.1',
      hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      username: 'operator',
      profiles: { ro: { mode: 'exec-only' } },
    },
  },
};

export interface OtCliOptions {
  /** The local policy, written as `policy.json`; `ONE_PLC_POLICY` unless given. */
  readonly policy?: unknown;
  /** The site the gateway serves; `plant-a` unless given. */
  readonly site?: string;
  /** More config keys (e.g. `link` timings); they replace the defaults of the same name. */
  readonly config?: Readonly<Record<string, unknown>>;
}

/** An IT gateway's config file in a fresh temp dir; `config` keys replace the defaults. */
export function itCliFixture(
  t: Pick<TestContext, 'after'>,
  config: Readonly<Record<string, unknown>> = {},
): CliFixture {
  return writeFixture(t, IT_MAIN, 'it.json', {
    dataDir: 'data',
    http: { host: '127.0.0.1', port: 0 },
    ssh: { port: 0 },
    ...config,
  });
}

/** An OT gateway's config file and its local policy in a fresh temp dir. */
export function otCliFixture(t: Pick<TestContext, 'after'>, o: OtCliOptions = {}): OtCliFixture {
  const fx = writeFixture(t, OT_MAIN, 'ot.json', {
    site: o.site ?? 'plant-a',
    dataDir: 'data',
    policyFile: 'policy.json',
    ...o.config,
  });
  const policyFile = join(fx.dir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify(o.policy ?? ONE_PLC_POLICY));
  const vaultSet = (asset: string, account: string, secret: string): Promise<RunResult> =>
    fx.cliWith({ input: `${secret}\n` }, 'vault-set', '--asset', asset, '--account', account);
  return { ...fx, policyFile, vaultSet };
}

function writeFixture(
  t: Pick<TestContext, 'after'>,
  main: string,
  name: string,
  config: Readonly<Record<string, unknown>>,
): CliFixture {
  const dir = makeTempDir(t);
  const cfg = join(dir, name);
  writeFileSync(cfg, JSON.stringify(config));
  const cliWith = (options: CliRunOptions, ...args: string[]): Promise<RunResult> =>
    runNode([main, ...args, '--config', cfg], options);
  return {
    dir,
    cfg,
    // The gateways resolve a relative dataDir against the config file's folder.
    dataDir: resolve(dir, String(config['dataDir'])),
    cli: (...args) => cliWith({}, ...args),
    cliWith,
  };
}
