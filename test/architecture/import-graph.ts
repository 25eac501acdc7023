/**
 * Reads the import graph of the repository's TypeScript sources with the TypeScript parser (static
 * imports, re-exports, `import type`, dynamic `import()`), and checks it against the house rules
 * in STYLE.md. Kept separate from the test so the rules can be tested on a synthetic graph.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** Importing file, repo-relative with forward slashes. */
  readonly from: string;
  /** Repo-relative target for relative imports, or the bare package name. */
  readonly to: string;
  readonly isPackage: boolean;
  readonly typeOnly: boolean;
}

export interface Violation {
  readonly rule: string;
  readonly edge: ImportEdge;
}

const toPosix = (p: string): string => p.split(sep).join('/');

export function listSources(root: string, dirs: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      if (n === 'node_modules' || n === 'dist') continue;
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.tsx?$/.test(n) && !n.endsWith('.d.ts')) out.push(toPosix(relative(root, p)));
    }
  };
  for (const d of dirs) walk(join(root, d));
  return out.sort();
}

function packageName(spec: string): string {
  const parts = spec.replace(/^node:/, 'node:').split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec);
}

export function importsOf(file: string, text: string): ImportEdge[] {
  const sf = ts.createSourceFile(
    file,
    text,
    ts.ScriptTarget.ES2022,
    false,
    file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const edges: ImportEdge[] = [];
  const add = (spec: string, typeOnly: boolean): void => {
    if (spec.startsWith('.')) {
      const target = toPosix(normalize(join(dirname(file), spec))).replace(/\.js$/, '');
      edges.push({ from: file, to: target, isPackage: false, typeOnly });
    } else {
      edges.push({ from: file, to: packageName(spec), isPackage: true, typeOnly });
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node.moduleSpecifier.text, typeOnly);
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg !== undefined && ts.isStringLiteral(arg)) add(arg.text, false);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      add(node.argument.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return edges;
}

export function readGraph(root: string, dirs: readonly string[]): ImportEdge[] {
  return listSources(root, dirs).flatMap((f) => importsOf(f, readFileSync(join(root, f), 'utf8')));
}

const isTest = (f: string): boolean => /\.test\.tsx?$/.test(f);
const under = (f: string, prefix: string): boolean => f === prefix || f.startsWith(`${prefix}/`);
/** Test support kept beside the code it serves: a `*.fixture.ts` file or shared/src/testing/. */
const isTestSupport = (f: string): boolean =>
  /\.fixture(\.tsx?)?$/.test(f) || under(f, 'shared/src/testing');
/** What ships: the gateways, shared/ and the appliance (image/, the demo and its plant among it). */
const isProduct = (f: string): boolean =>
  !isTest(f) &&
  !isTestSupport(f) &&
  (under(f, 'shared/src') ||
    under(f, 'gateway-it/src') ||
    under(f, 'gateway-ot/src') ||
    under(f, 'image'));

/**
 * The subsystem a gateway file belongs to: the first folder under `gateway-{it,ot}/src/` (each OT
 * protocol folder is one of its own). Files directly in `src/` (main.ts, app.ts) belong to none.
 */
export function subsystemOf(f: string): string | undefined {
  const m = /^(gateway-ot\/src\/protocols\/[^/]+|gateway-(?:it|ot)\/src\/[^/]+)\//.exec(f);
  return m?.[1];
}

/** A subsystem's one front door: the module named like its folder (`access/access.ts`). */
export function entryOf(subsystem: string): string {
  return `${subsystem}/${subsystem.slice(subsystem.lastIndexOf('/') + 1)}`;
}

/** Where each library may be imported (value or type). Libraries not listed are unrestricted. */
const LIBRARY_HOMES: Readonly<Record<string, readonly string[]>> = {
  hono: ['gateway-it/src/http'],
  '@hono/node-server': ['gateway-it/src/http'],
  'better-sqlite3': ['shared/src/store'],
  'libsodium-wrappers-sumo': ['shared/src/crypto'],
  'libsodium-wrappers': ['shared/src/crypto'],
  '@peculiar/x509': ['shared/src/crypto'],
  ws: ['gateway-it/src/link', 'gateway-it/src/http', 'gateway-ot/src/link'],
  ssh2: ['gateway-it/src/ssh', 'gateway-ot/src/protocols/ssh'],
  'modbus-serial': ['gateway-ot/src/protocols/modbus'],
  // gateway-it/src/opcua: the portal's OPC UA page speaks to the OT broker (never the plant) through an operator session.
  'node-opcua': ['gateway-ot/src/protocols/opcua', 'gateway-it/src/opcua'],
  otplib: ['gateway-it/src/auth'],
  'openid-client': ['gateway-it/src/sso'],
  // The test and demo OpenID provider: never in a gateway.
  'oidc-provider': [],
  // Instrumentation stays in each gateway's metrics/ folder (and the shared audit counters).
  'prom-client': ['gateway-it/src/metrics', 'gateway-ot/src/metrics', 'shared/src/metrics'],
  // Patterns from config, policy or users run only through the linear-time wrapper.
  re2js: ['shared/src/text'],
  // WebAuthn checks in one place, so the OT gateway can verify owners' assertions the same way.
  '@simplewebauthn/server': ['shared/src/webauthn'],
  // The browser bundle is served as a file (http/portal/passkey-assets.ts), never imported.
  '@simplewebauthn/browser': [],
};

const PROTOCOLS = ['ssh', 'modbus', 'opcua'];

export function checkRules(edges: readonly ImportEdge[]): Violation[] {
  const v: Violation[] = [];
  const flag = (rule: string, edge: ImportEdge): void => {
    v.push({ rule, edge });
  };
  for (const e of edges) {
    const f = e.from;
    if (!e.isPackage) {
      if (under(f, 'gateway-it') && under(e.to, 'gateway-ot'))
        flag('gateway-it never imports gateway-ot', e);
      if (under(f, 'gateway-ot') && under(e.to, 'gateway-it'))
        flag('gateway-ot never imports gateway-it', e);
      if (under(f, 'shared') && (under(e.to, 'gateway-it') || under(e.to, 'gateway-ot')))
        flag('shared never imports a gateway', e);
      if (isProduct(f) && under(e.to, 'test')) flag('product code never imports test/', e);
      if (isProduct(f) && !under(f, 'image') && under(e.to, 'image'))
        flag('the gateways and shared/ never import the image', e);
      if (isProduct(f) && isTest(e.to)) flag('product code never imports test files', e);
      if (isProduct(f) && isTestSupport(e.to))
        flag('product code never imports test support (fixtures, shared/src/testing)', e);
      const target = subsystemOf(e.to);
      if (
        isProduct(f) &&
        target !== undefined &&
        subsystemOf(f) !== target &&
        e.to !== entryOf(target)
      )
        flag(`outside ${target}, import only its entry module ${entryOf(target)}`, e);
      for (const p of PROTOCOLS) {
        const home = `gateway-ot/src/protocols/${p}`;
        if (!under(f, home) || isTest(f)) continue;
        for (const q of PROTOCOLS)
          if (q !== p && under(e.to, `gateway-ot/src/protocols/${q}`))
            flag('a protocol module never imports another protocol', e);
        if (under(e.to, 'gateway-ot/src/link')) flag('a protocol module never imports link/', e);
      }
      if (
        isProduct(f) &&
        under(f, 'gateway-it/src/http') &&
        under(e.to, 'gateway-it/src/store') &&
        !e.typeOnly
      )
        flag('routes never touch store/ directly (type imports only)', e);
    } else {
      const homes =
        LIBRARY_HOMES[e.to] ??
        (e.to.startsWith('node-opcua') ? LIBRARY_HOMES['node-opcua'] : undefined);
      // The demo's simulated plant is a plant: it may speak the protocols' libraries itself.
      if (
        homes !== undefined &&
        isProduct(f) &&
        !under(f, 'image') &&
        !homes.some((h) => under(f, h))
      )
        flag(`${e.to} may only be imported in ${homes.join(', ')}`, e);
      if (
        isProduct(f) &&
        under(f, 'gateway-it') &&
        !under(f, 'gateway-it/src/opcua') &&
        (e.to === 'modbus-serial' || e.to.startsWith('node-opcua'))
      )
        flag('the IT side never imports plant protocol clients', e);
    }
  }
  for (const e of subsystemCycles(edges))
    flag(
      'subsystems never import each other in a cycle (break it with a listener or a narrower interface)',
      e,
    );
  return v;
}

/**
 * Product edges between two subsystems that lie on a cycle of the subsystem graph (type-only
 * imports count: a cycle of types is still two subsystems that cannot be understood apart).
 */
export function subsystemCycles(edges: readonly ImportEdge[]): ImportEdge[] {
  const between = edges.filter((e) => {
    if (e.isPackage || !isProduct(e.from)) return false;
    const a = subsystemOf(e.from);
    const b = subsystemOf(e.to);
    return a !== undefined && b !== undefined && a !== b;
  });
  const next = new Map<string, Set<string>>();
  for (const e of between) {
    const a = subsystemOf(e.from) as string;
    const set = next.get(a) ?? new Set<string>();
    set.add(subsystemOf(e.to) as string);
    next.set(a, set);
  }
  const reaches = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const n = stack.pop() as string;
      if (n === to) return true;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const m of next.get(n) ?? []) stack.push(m);
    }
    return false;
  };
  return between.filter((e) => reaches(subsystemOf(e.to) as string, subsystemOf(e.from) as string));
}

export function formatViolation(x: Violation): string {
  return `${x.edge.from} -> ${x.edge.to}${x.edge.typeOnly ? ' (type)' : ''}: ${x.rule}`;
}
