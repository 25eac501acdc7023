/**
 * The portal's Content-Security-Policy allows styles and scripts from 'self' only, so an inline
 * `style` attribute or `<script>`/`<style>` element in a page is blocked by the browser (the OPC UA
 * page shipped one; the Chromium test caught it). This scans every portal page's source so the next
 * one fails here, in a second, rather than only in a browser test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = process.env.AIRLOCK_REPO_ROOT ?? process.cwd();
const PORTAL = join(root, 'gateway-it/src/http/portal');
const INLINE = /\sstyle=\{|\sstyle="|<script>|<script\s+(?![^>]*\bsrc=)[^>]*>|<style[\s>]/;

test('portal pages use no inline style or script (the CSP would block it)', () => {
  const files = readdirSync(PORTAL).filter((f) => f.endsWith('.tsx'));
  assert.ok(
    files.length > 5,
    `found ${files.length} portal pages under ${PORTAL}: is the root right?`,
  );
  const offenders = files.flatMap((f) =>
    readFileSync(join(PORTAL, f), 'utf8')
      .split('\n')
      .map((line, i) => ({ at: `${f}:${i + 1}`, line }))
      .filter(({ line }) => INLINE.test(line))
      .map(({ at, line }) => `${at}: ${line.trim()}`),
  );
  assert.deepEqual(offenders, []);
});

test('the inline-style scan catches what it is for', () => {
  for (const bad of [
    '<td style={`x`}>',
    '<p style="color:red">',
    '<script>alert(1)</script>',
    '<style>p{}</style>',
  ])
    assert.ok(INLINE.test(bad), bad);
  for (const good of [
    '<td class="depth-2">',
    '<script src="/static/portal.js" defer></script>',
    '<link rel="stylesheet" href="/static/portal.css" />',
  ])
    assert.ok(!INLINE.test(good), good);
});
