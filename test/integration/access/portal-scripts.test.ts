/**
 * The portal's own browser scripts are TypeScript (gateway-it/src/http/portal/browser/) compiled by
 * `tsc -b`: the gateway must serve the compiled files from dist/, as JavaScript, under the same CSP
 * as every page, and each must be a classic script a browser can run (no type syntax, no
 * import/export: the pages load them with <script src defer>).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { useCrypto } from '../../../shared/src/testing/crypto.js';
import { startHarness } from '../../helpers/it-harness.js';

useCrypto();

const root = process.env.AIRLOCK_REPO_ROOT ?? process.cwd();
const SCRIPTS = ['portal', 'terminal'] as const;

/** Whether `text` compiles as a classic script (what a browser does with <script src>). */
function isClassicScript(text: string): boolean {
  try {
    new Script(text);
    return true;
  } catch {
    return false;
  }
}

test(
  'the portal and terminal scripts are served compiled, as JavaScript, under the CSP',
  { timeout: 60_000 },
  async (t) => {
    const h = await startHarness(t);
    for (const name of SCRIPTS) {
      // dist/test/integration/access/ -> dist/gateway-it/src/http/portal/browser/
      const compiled = readFileSync(
        new URL(`../../../gateway-it/src/http/portal/browser/${name}.js`, import.meta.url),
        'utf8',
      );
      const source = readFileSync(
        join(root, `gateway-it/src/http/portal/browser/${name}.ts`),
        'utf8',
      );
      const res = await h.app.request(`https://airlock.test/static/${name}.js`);
      assert.equal(res.status, 200, name);
      assert.match(res.headers.get('content-type') ?? '', /^text\/javascript; charset=utf-8$/);
      const csp = res.headers.get('content-security-policy') ?? '';
      const directives = csp.split(';').map((d) => d.trim());
      assert.ok(directives.includes("script-src 'self'"), `${name}: CSP ${csp}`);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      const body = await res.text();
      assert.equal(body, compiled, `${name}.js is the file tsc wrote to dist/`);
      assert.ok(isClassicScript(body), `${name}.js runs as a classic script`);
      // The check above means something: the TypeScript source is not a script a browser runs.
      assert.ok(!isClassicScript(source), `${name}.ts has type syntax`);
    }
  },
);
