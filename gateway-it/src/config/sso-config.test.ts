import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../../../shared/src/testing/temp-dir.js';
import { loadItConfig } from './config.js';

const provider = {
  displayName: 'Corp',
  issuer: 'https://login.example.com/realms/corp',
  clientId: 'airlock',
  clientSecretFile: 'corp.secret',
  redirectUri: 'https://airlock.example.com/sso/corp/callback',
};

test('sso providers: strict, defaults, secret file resolved against the config file', (t) => {
  const dir = makeTempDir(t);
  const file = join(dir, 'it.json');
  writeFileSync(file, JSON.stringify({ dataDir: 'data' }));
  const none = loadItConfig({ file, env: {} });
  assert.ok(none.ok);
  assert.deepEqual(none.value.sso.providers, {});
  assert.equal(none.value.sso.loginTimeoutSeconds, 600);

  writeFileSync(file, JSON.stringify({ dataDir: 'data', sso: { providers: { corp: provider } } }));
  const on = loadItConfig({ file, env: {} });
  assert.ok(on.ok, on.ok ? '' : JSON.stringify(on.error));
  const corp = on.value.sso.providers.corp;
  assert.equal(corp?.clientSecretFile, join(dir, 'corp.secret'));
  assert.deepEqual(corp?.scopes, ['openid', 'profile', 'email']);
  assert.equal(corp?.groupsClaim, 'groups');
  assert.equal(corp?.jitCreate, false);
  assert.equal(corp?.acceptIdpMfa, undefined, 'no IdP MFA is trusted unless configured');
  assert.equal(corp?.tokenEndpointAuth, 'client_secret_basic');

  const bad = (p: Record<string, unknown>, id = 'corp'): string => {
    writeFileSync(
      file,
      JSON.stringify({ dataDir: 'data', sso: { providers: { [id]: { ...provider, ...p } } } }),
    );
    const r = loadItConfig({ file, env: {} });
    assert.equal(r.ok, false);
    return r.ok ? '' : JSON.stringify(r.error);
  };
  assert.match(bad({ clientSecret: 'inline' }), /clientSecret/);
  assert.match(bad({ issuer: 'http://idp.example.com' }), /https URL/);
  assert.match(
    bad({ redirectUri: 'https://airlock.example.com/sso/other/callback' }),
    /\/sso\/corp\/callback/,
  );
  assert.match(bad({ scopes: ['profile'] }), /openid/);
  assert.match(bad({ roles: [{ group: 'g', role: 'ot-owner' }] }), /need a site/);
  assert.match(bad({ roles: [{ group: 'g', role: 'vendor' }] }), /role/);
  assert.match(bad({ acceptIdpMfa: {} }), /at least one amr or acr/);
  assert.match(bad({}, 'Bad_Id'), /sso\.providers\.Bad_Id/);
  // http only to a loopback issuer (a local test or demo provider).
  writeFileSync(
    file,
    JSON.stringify({
      dataDir: 'data',
      sso: { providers: { corp: { ...provider, issuer: 'http://127.0.0.1:9000' } } },
    }),
  );
  assert.ok(loadItConfig({ file, env: {} }).ok);
});

test('sso providers: the SCIM token file is optional and resolved against the config file', (t) => {
  const dir = makeTempDir(t);
  const file = join(dir, 'it.json');
  const write = (p: Record<string, unknown>): void =>
    writeFileSync(
      file,
      JSON.stringify({ dataDir: 'data', sso: { providers: { corp: { ...provider, ...p } } } }),
    );
  write({});
  const off = loadItConfig({ file, env: {} });
  assert.ok(off.ok);
  assert.equal(off.value.sso.providers.corp?.scimTokenFile, undefined, 'no token: no SCIM');
  write({ scimTokenFile: 'corp.scim-token' });
  const on = loadItConfig({ file, env: {} });
  assert.ok(on.ok, on.ok ? '' : JSON.stringify(on.error));
  assert.equal(on.value.sso.providers.corp?.scimTokenFile, join(dir, 'corp.scim-token'));
  write({ scimTokenFile: '' });
  assert.equal(loadItConfig({ file, env: {} }).ok, false);
});
