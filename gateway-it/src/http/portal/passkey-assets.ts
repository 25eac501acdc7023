/**
 * The passkey pages' scripts, served by the gateway itself (CSP script-src 'self', no CDN):
 * @simplewebauthn/browser's own UMD bundle (it defines `SimpleWebAuthnBrowser`), read once from
 * the installed package, and browser/passkeys.ts, compiled and read as static-assets.ts says.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readBrowserScript } from './static-assets.js';

function readWebauthnBundle(): string {
  const main = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  // main is <package>/script/index.js; the browser bundle sits in <package>/dist/bundle.
  const bundle = join(dirname(dirname(main)), 'dist', 'bundle', 'index.umd.min.js');
  return readFileSync(bundle, 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/m, '');
}

export const WEBAUTHN_JS = readWebauthnBundle();
export const PASSKEY_JS = readBrowserScript('passkeys.js');
