/**
 * The operator's workstation in the appliance test: an unprivileged account (home in the test's
 * work directory) running commands in the corp network namespace, with curl against the IT
 * gateway (trusting the organisation's CA) and the OpenSSH client (answers to its password and
 * verification prompts come from files through SSH_ASKPASS). The account is removed at the end.
 */
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mustRun, runCommand, type RunResult } from '../../image/build/run-command.js';
import type { Namespaces } from './netns.js';
import { parseJson } from './outputs.js';

export const OPERATOR_PREFIX = 'altop';

export interface Operator {
  readonly home: string;
  /** Runs a shell script as the operator, in the corp namespace, in the home directory. */
  run(script: string): Promise<RunResult>;
  /** One API call to the IT gateway (curl, the CA pinned): status and JSON body. */
  api(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** The IT gateway's /healthz view of a site's link ('unreachable' when the gateway is not up). */
  siteLink(site: string): Promise<string>;
  /** Pins the SSH endpoint's host key and sets the answers SSH_ASKPASS gives. */
  prepareSsh(knownHosts: string, password: string, code: string): Promise<void>;
}

export async function createOperator(
  cleanups: (() => Promise<unknown>)[],
  ns: Namespaces,
  namespace: string,
  home: string,
  caPem: string,
  itUrl: string,
): Promise<Operator> {
  const name = `${OPERATOR_PREFIX}${Date.now().toString(16).slice(-8)}`;
  await mustRun('useradd', ['-M', '-d', home, '-s', '/bin/sh', name]);
  cleanups.push(() => runCommand('userdel', ['-f', name]));
  mkdirSync(join(home, '.ssh'), { recursive: true, mode: 0o700 });
  copyFileSync(caPem, join(home, 'ca.pem'));
  const own = (): Promise<unknown> => mustRun('chown', ['-R', `${name}:${name}`, home]);
  await own();
  const run = (script: string): Promise<RunResult> =>
    ns.exec(namespace, '/usr/bin/setpriv', [
      `--reuid=${name}`,
      `--regid=${name}`,
      '--init-groups',
      '/usr/bin/env',
      '-i',
      'PATH=/usr/bin:/bin',
      `HOME=${home}`,
      'LANG=C.UTF-8',
      `SSH_ASKPASS=${join(home, 'askpass.sh')}`,
      'SSH_ASKPASS_REQUIRE=force',
      'DISPLAY=:0',
      'sh',
      '-e',
      '-c',
      `cd '${home}'\n${script}`,
    ]);
  return {
    home,
    run,
    async api(method, path, token, body) {
      if (body !== undefined) writeFileSync(join(home, 'request.json'), JSON.stringify(body));
      const r = await run(
        [
          `curl -sS --cacert ca.pem -o body.json -w '%{http_code}' -X ${method}`,
          token === undefined ? '' : `-H 'authorization: Bearer ${token}'`,
          body === undefined
            ? ''
            : `-H 'content-type: application/json' --data-binary @request.json`,
          `${itUrl}/api/v1${path}`,
        ].join(' '),
      );
      assert.equal(r.code, 0, r.stderr);
      return {
        status: Number(r.stdout),
        body: parseJson(readFileSync(join(home, 'body.json'), 'utf8'), path),
      };
    },
    async siteLink(site) {
      const r = await run(`curl -sS --cacert ca.pem ${itUrl}/healthz`);
      if (r.code !== 0) return 'unreachable';
      const h = parseJson<{ sites: { site: string; link: string }[] }>(r.stdout, '/healthz');
      return h.sites.find((s) => s.site === site)?.link ?? 'none';
    },
    async prepareSsh(knownHosts, password, code) {
      writeFileSync(join(home, '.ssh', 'known_hosts'), `${knownHosts}\n`);
      writeFileSync(join(home, 'answer-password'), `${password}\n`, { mode: 0o600 });
      writeFileSync(join(home, 'answer-code'), `${code}\n`, { mode: 0o600 });
      writeFileSync(
        join(home, 'askpass.sh'),
        `#!/bin/sh\ncase "$1" in\n  *erification*) cat '${home}/answer-code' ;;\n  *assword*) cat '${home}/answer-password' ;;\n  *) echo "unexpected prompt: $1" >&2; exit 1 ;;\nesac\n`,
      );
      chmodSync(join(home, 'askpass.sh'), 0o755);
      await own();
    },
  };
}
