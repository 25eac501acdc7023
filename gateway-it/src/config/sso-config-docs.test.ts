/**
 * docs/access.md's example `sso` configs (Entra ID, Okta, Keycloak) cannot drift from the schema:
 * every fenced json block there that starts with `"sso"` is parsed by the real config loader, as
 * an operator would paste it into the IT gateway's config file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../../shared/src/testing/processes.js';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { loadItConfig } from './config.js';

/** The bodies of the ```json fences in a markdown text. */
function jsonFences(markdown: string): string[] {
  return [...markdown.matchAll(/^[ \t]*```json\n([\s\S]*?)^[ \t]*```/gm)].map((m) => m[1] ?? '');
}

test('docs/access.md: the example sso configs for Entra ID, Okta and Keycloak parse', (t) => {
  const doc = readFileSync(join(repoRoot, 'docs', 'access.md'), 'utf8');
  const blocks = jsonFences(doc).filter((b) => b.trimStart().startsWith('"sso"'));
  assert.ok(blocks.length > 0, 'docs/access.md has an sso example');
  const dir = makeTempDir(t);
  const file = join(dir, 'it.json');
  const seen = new Map<string, { issuer: string; amr: string[]; acr: string[] }>();
  for (const block of blocks) {
    const fragment = JSON.parse(`{${block}}`) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ dataDir: 'data', ...fragment }));
    const r = loadItConfig({ file, env: {} });
    assert.ok(r.ok, r.ok ? '' : `${JSON.stringify(r.error)}\nin:\n${block}`);
    for (const [id, p] of Object.entries(r.value.sso.providers))
      seen.set(id, {
        issuer: p.issuer,
        amr: p.acceptIdpMfa?.amr ?? [],
        acr: p.acceptIdpMfa?.acr ?? [],
      });
  }
  assert.match(seen.get('entra')?.issuer ?? '', /^https:\/\/login\.microsoftonline\.com\//);
  assert.match(seen.get('okta')?.issuer ?? '', /^https:\/\/[^/]+\.okta\.com\//);
  assert.match(seen.get('keycloak')?.issuer ?? '', /\/realms\//);
  for (const [id, s] of seen)
    assert.ok(s.amr.length + s.acr.length > 0, `${id}: the example says which IdP MFA counts`);
});

test('jsonFences finds indented fences and only json ones', () => {
  const md = 'a\n```json\n{"a":1}\n```\n```sh\nx\n```\n  ```json\n  [2]\n  ```\n';
  assert.deepEqual(jsonFences(md), ['{"a":1}\n', '  [2]\n']);
});
