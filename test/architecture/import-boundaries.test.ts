import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkRules,
  formatViolation,
  entryOf,
  importsOf,
  readGraph,
  subsystemCycles,
  subsystemOf,
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
    edge('image/demo/demo.ts', 'test/peers/sshd'),
    edge('gateway-it/src/http/portal/x.tsx', 'gateway-it/src/audit/two-logs.fixture'),
    edge('gateway-ot/src/vault/vault.ts', 'shared/src/testing/temp-dir'),
  ];
  const found = checkRules(bad);
  // Each bad edge breaks at least one rule (several break the entry-module rule as well).
  for (const e of bad)
    assert.ok(
      found.some((x) => x.edge === e && !x.rule.includes('entry module')),
      `${e.from} -> ${e.to} should break a boundary rule:\n${found.map(formatViolation).join('\n')}`,
    );
  assert.ok(found.some((x) => x.rule === 'the IT side never imports plant protocol clients'));
  const fine = [
    edge('image/demo/plant/plant.ts', 'node-opcua', true),
    edge('gateway-it/src/audit/x.test.ts', 'gateway-it/src/audit/two-logs.fixture'),
    edge('gateway-it/src/audit/x.test.ts', 'shared/src/testing/temp-dir'),
    edge('gateway-it/src/http/routes/users.ts', 'gateway-it/src/store/store', false, true),
    edge('gateway-it/src/app.ts', 'shared/src/errors'),
    edge('test/integration/link.test.ts', 'gateway-ot/src/app'),
    edge('gateway-ot/src/protocols/modbus/modbus-frame.test.ts', 'test/helpers/temp-dir'),
    edge('gateway-it/src/opcua/opcua-points.ts', 'node-opcua', true),
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

test('outside a subsystem only its entry module is imported; tests may look inside', () => {
  const edge = (from: string, to: string, typeOnly = false): ImportEdge => ({
    from,
    to,
    isPackage: false,
    typeOnly,
  });
  assert.equal(subsystemOf('gateway-it/src/access/grant-service.ts'), 'gateway-it/src/access');
  assert.equal(subsystemOf('gateway-it/src/http/portal/layout.tsx'), 'gateway-it/src/http');
  assert.equal(
    subsystemOf('gateway-ot/src/protocols/ssh/filter/line-rules.ts'),
    'gateway-ot/src/protocols/ssh',
  );
  assert.equal(subsystemOf('gateway-it/src/app.ts'), undefined);
  assert.equal(entryOf('gateway-ot/src/protocols/ssh'), 'gateway-ot/src/protocols/ssh/ssh');
  const bad = [
    edge('gateway-it/src/app.ts', 'gateway-it/src/store/user-store'),
    edge('gateway-it/src/access/views.ts', 'gateway-it/src/store/user-store', true),
    edge('gateway-ot/src/app.ts', 'gateway-ot/src/protocols/ssh/ssh-broker'),
    edge('image/demo/demo.ts', 'gateway-it/src/auth/totp'),
  ];
  for (const e of bad) {
    const found = checkRules([e]);
    assert.equal(
      found.length,
      1,
      `${formatViolation({ rule: '?', edge: e })} should be one violation`,
    );
    assert.match(found[0]?.rule ?? '', /import only its entry module/);
  }
  const fine = [
    edge('gateway-it/src/app.ts', 'gateway-it/src/store/store'),
    edge('gateway-it/src/access/views.ts', 'gateway-it/src/access/grant-service'),
    edge('gateway-it/src/http/portal/layout.tsx', 'gateway-it/src/http/csrf'),
    edge('gateway-ot/src/app.ts', 'gateway-ot/src/protocols/ssh/ssh'),
    edge('image/demo/demo.ts', 'gateway-it/src/app'),
    edge('gateway-it/src/access/views.test.ts', 'gateway-it/src/store/user-store'),
    edge('test/integration/x.test.ts', 'gateway-ot/src/protocols/ssh/ssh-relay'),
  ];
  assert.deepEqual(checkRules(fine).map(formatViolation), []);
});

test('subsystems that import each other in a cycle are flagged, on every edge of the cycle', () => {
  const edge = (from: string, to: string): ImportEdge => ({
    from,
    to,
    isPackage: false,
    typeOnly: true,
  });
  const cycle = [
    edge('gateway-ot/src/vault/vault.ts', 'gateway-ot/src/protocols/ssh/ssh'),
    edge('gateway-ot/src/protocols/ssh/ssh-broker.ts', 'gateway-ot/src/sessions/sessions'),
    edge('gateway-ot/src/sessions/session-manager.ts', 'gateway-ot/src/vault/vault'),
  ];
  assert.equal(subsystemCycles(cycle).length, 3);
  const chain = [cycle[0] as ImportEdge, cycle[1] as ImportEdge];
  assert.deepEqual(subsystemCycles(chain), []);
  // Tests may import across freely: they are not part of the graph.
  assert.deepEqual(
    subsystemCycles([
      ...chain,
      edge('gateway-ot/src/sessions/x.test.ts', 'gateway-ot/src/vault/vault'),
    ]),
    [],
  );
});
