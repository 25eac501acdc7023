/**
 * Counts the objects a heap holds, by constructor name, from a V8 heap snapshot taken in this
 * process (node:v8 `getHeapSnapshot`, after a full GC when `global.gc` is exposed). Used to tell a
 * leak from growth: run N sessions, take a census, run N more, take another; whatever grows by a
 * multiple of N is retained per session. Counts, never RSS thresholds.
 */
import { getHeapSnapshot } from 'node:v8';

export type Census = ReadonlyMap<string, number>;

interface SnapshotMeta {
  readonly node_fields: string[];
  readonly node_types: [string[], ...unknown[]];
}

async function readSnapshot(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs a full GC twice (when `--expose-gc`), then counts live objects per constructor name. */
export async function takeCensus(): Promise<Census> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await new Promise((r) => setImmediate(r));
  gc?.();
  const snapshot = JSON.parse(await readSnapshot()) as {
    snapshot: { meta: SnapshotMeta };
    nodes: number[];
    strings: string[];
  };
  const meta = snapshot.snapshot.meta;
  const fields = meta.node_fields.length;
  const typeField = meta.node_fields.indexOf('type');
  const nameField = meta.node_fields.indexOf('name');
  const types = meta.node_types[0];
  const objectType = types.indexOf('object');
  const counts = new Map<string, number>();
  const { nodes, strings } = snapshot;
  for (let i = 0; i < nodes.length; i += fields) {
    if (nodes[i + typeField] !== objectType) continue;
    const name = strings[nodes[i + nameField] ?? 0] ?? '?';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/** Constructor names whose count grew from `before` to `after`, largest growth first. */
export function growth(
  before: Census,
  after: Census,
  minimum = 1,
): { name: string; before: number; after: number }[] {
  const out: { name: string; before: number; after: number }[] = [];
  for (const [name, n] of after) {
    const b = before.get(name) ?? 0;
    if (n - b >= minimum) out.push({ name, before: b, after: n });
  }
  return out.sort((x, y) => y.after - y.before - (x.after - x.before));
}
