import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig, envNameFor, listEnvOverrides } from './load-config.js';
import { formatProblems } from '../result.js';
import { makeTempDir } from '../testing/temp-dir.js';

const schema = z.strictObject({
  http: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(1).max(65535).default(8443),
    })
    .prefault({}),
  dataDir: z.string().min(1),
  link: z
    .strictObject({
      heartbeatSeconds: z.number().positive().default(10),
      enabled: z.boolean().default(true),
    })
    .prefault({}),
  sites: z.array(z.string()).default([]),
});

function write(t: Parameters<typeof makeTempDir>[0], body: string): string {
  const dir = makeTempDir(t);
  const file = join(dir, 'config.json');
  writeFileSync(file, body);
  return file;
}

test('env names follow the key path in SCREAMING_SNAKE', () => {
  assert.equal(
    envNameFor('AIRLOCK_IT_', ['link', 'heartbeatSeconds']),
    'AIRLOCK_IT_LINK_HEARTBEAT_SECONDS',
  );
  assert.ok(listEnvOverrides(schema, 'X_').includes('X_HTTP_PORT -> http.port'));
});

test('a valid file with defaults filled in', (t) => {
  const r = loadConfig(schema, {
    file: write(t, '{"dataDir":"/var/lib/airlock"}'),
    envPrefix: 'X_',
  });
  assert.ok(r.ok);
  assert.deepEqual(r.value, {
    http: { host: '127.0.0.1', port: 8443 },
    dataDir: '/var/lib/airlock',
    link: { heartbeatSeconds: 10, enabled: true },
    sites: [],
  });
});

test('environment overrides are typed from the schema', (t) => {
  const r = loadConfig(schema, {
    file: write(t, '{"dataDir":"/d"}'),
    envPrefix: 'X_',
    env: { X_HTTP_PORT: '9443', X_LINK_ENABLED: 'false', X_SITES: '["a","b"]', OTHER: 'ignored' },
  });
  assert.ok(r.ok);
  assert.equal(r.value.http.port, 9443);
  assert.equal(r.value.link.enabled, false);
  assert.deepEqual(r.value.sites, ['a', 'b']);
});

test('an unknown key is an error naming the key', (t) => {
  const r = loadConfig(schema, {
    file: write(t, '{"dataDir":"/d","http":{"prot":1}}'),
    envPrefix: 'X_',
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(r.error, [{ path: 'http.prot', message: 'unknown key' }]);
});

test('every problem is reported at once, each naming key and expectation', (t) => {
  const r = loadConfig(schema, {
    file: write(t, '{"http":{"port":"x"},"link":{"heartbeatSeconds":-1},"extra":true}'),
    envPrefix: 'X_',
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  const text = formatProblems(r.error);
  assert.match(text, /http\.port: .*number/i);
  assert.match(text, /link\.heartbeatSeconds: .*>0|link\.heartbeatSeconds: .*greater/i);
  assert.match(text, /dataDir: /);
  assert.match(text, /extra: unknown key/);
  assert.equal(r.error.length, 4);
});

test('a bad environment value names the variable', (t) => {
  const r = loadConfig(schema, {
    file: write(t, '{"dataDir":"/d"}'),
    envPrefix: 'X_',
    env: { X_HTTP_PORT: 'eighty' },
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.match(formatProblems(r.error), /http\.port: .*\(from environment X_HTTP_PORT\)/);
});

test('an unknown environment override is an error', (t) => {
  const r = loadConfig(schema, {
    file: write(t, '{"dataDir":"/d"}'),
    envPrefix: 'X_',
    env: { X_HTTP_PROT: '1' },
  });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.deepEqual(r.error, [
    { path: 'X_HTTP_PROT', message: 'unknown environment override (no config key has this name)' },
  ]);
});

test('unreadable and malformed files are reported, not thrown', (t) => {
  const missing = loadConfig(schema, { file: '/nonexistent/airlock.json', envPrefix: 'X_' });
  assert.equal(missing.ok, false);
  if (!missing.ok)
    assert.match(
      missing.error[0]?.message ?? '',
      /cannot read config file \/nonexistent\/airlock.json \(ENOENT\)/,
    );
  const bad = loadConfig(schema, { file: write(t, '{"dataDir": '), envPrefix: 'X_' });
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.error[0]?.message ?? '', /is not valid JSON/);
  const arr = loadConfig(schema, { file: write(t, '[]'), envPrefix: 'X_' });
  assert.equal(arr.ok, false);
  if (!arr.ok) assert.match(arr.error[0]?.message ?? '', /must hold a JSON object/);
});
