import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkRules,
  formatViolation,
  importsOf,
  readGraph,
  type ImportEdge,
} from './import-graph.js';

const root = process.env.AIRLOCK_REPO_ROOT ?? process.cwd();

test('the repository import graph keeps the house boundaries', () => {
  const edges = readGraph(root, ['shared', 'gateway-it', 'gateway-ot', 'test', 'image']);
  assert.ok(edges.length > 50, `read ${edges.length} imports: is the root right (${root})?`);
  assert.ok(
    edges.some((e) => e.from.startsWith('gateway-it/src/') && e.to.startsWith('shared/src/')),
    'sees gateway-it -> shared edges',
  );
  const violations = checkRules(edges);
  assert.deepEqual(violations.map(formatViolation), []);
});

test('the checker catches each kind of violation in a synthetic graph', () => {
  const edge = (from: string, to: string, isPackage = false, typeOnly = false): ImportEdge => ({
    from,
    to,
    isPackage,
    typeOnly,
  });
  const bad = [
    edge('gateway-it/src/app.ts', 'gateway-ot/src/app'),
    edge('gateway-ot/src/app.ts', 'gateway-it/src/store/user-store'),
    edge('shared/src/log.ts', 'gateway-it/src/app'),
    edge('gateway-ot/src/vault/vault.ts', 'test/helpers/temp-dir'),
    edge(
      'gateway-ot/src/protocols/modbus/modbus-broker.ts',
      'gateway-ot/src/protocols/ssh/ssh-policy',
    ),
    edge('gateway-ot/src/protocols/opcua/opcua-broker.ts', 'gateway-ot/src/link/link-client'),
    edge('gateway-it/src/http/routes/users.ts', 'gateway-it/src/store/user-store'),
    edge('gateway-it/src/access/grants.ts', 'hono', true),
    edge('gateway-it/src/access/grants.ts', 'better-sqlite3', true),
    edge('gateway-it/src/link/link-server.ts', 'node-opcua-client', true),
  ];
  const found = checkRules(bad);
  assert.equal(found.length, bad.length + 1, found.map(formatViolation).join('\n'));
  assert.ok(found.some((x) => x.rule === 'the IT side never imports plant protocol clients'));
  const fine = [
    edge('gateway-it/src/http/routes/users.ts', 'gateway-it/src/store/user-store', false, true),
    edge('gateway-it/src/app.ts', 'shared/src/errors'),
    edge('test/integration/link.test.ts', 'gateway-ot/src/app'),
    edge('gateway-ot/src/protocols/modbus/modbus-frame.test.ts', 'test/helpers/temp-dir'),
    edge('gateway-it/src/opcua-client/opcua-points.ts', 'node-opcua', true),
  ];
  assert.deepEqual(checkRules(fine).map(formatViolation), []);
});

test('imports are read in every form the language has', () => {
  const src = `
    import a from './a.js';
    import type { B } from '../b.js';
    import { type C, type D } from './c.js';
    export * from './e.js';
    export type { F } from './f.js';
    const g = await import('node-opcua');
    type H = import('./h.js').H;
    import '@scope/pkg/sub';
  `;
  const edges = importsOf('gateway-it/src/x/y.ts', src);
  assert.deepEqual(
    edges.map((e) => `${e.to}${e.typeOnly ? ':type' : ''}`),
    [
      'gateway-it/src/x/a',
      'gateway-it/src/b:type',
      'gateway-it/src/x/c:type',
      'gateway-it/src/x/e',
      'gateway-it/src/x/f:type',
      'node-opcua',
      'gateway-it/src/x/h:type',
      '@scope/pkg',
    ],
  );
});
