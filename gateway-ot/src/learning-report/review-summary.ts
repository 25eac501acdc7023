/**
 * A proposal's review cut to what the portal shows: the diff's changed lines with a little context
 * (counts of added and removed lines kept whole), and the replay's refusals in words. Pure
 * functions over what the learning store kept; a replay that does not parse is reported as absent
 * rather than guessed at (it is our own JSON, so that means a bug or a newer format).
 */
import { z } from 'zod';
import type { ReplaySummary } from '../../../shared/src/model/learning-status.js';

const LINE_MAX = 200;
const CONTEXT = 2;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}

/** The diff's changed lines (`+ `, `- `) with CONTEXT lines around them, gaps shown as `  ...`. */
export function diffExcerpt(
  diff: string,
  maxLines: number,
): { added: number; removed: number; diff: string[] } {
  const lines = diff.split('\n');
  const isChange = (l: string): boolean => l.startsWith('+ ') || l.startsWith('- ');
  const keep = lines.map(() => false);
  lines.forEach((l, i) => {
    if (!isChange(l)) return;
    for (let j = Math.max(0, i - CONTEXT); j <= Math.min(lines.length - 1, i + CONTEXT); j++)
      keep[j] = true;
  });
  const out: string[] = [];
  let skipped = false;
  lines.forEach((l, i) => {
    if (keep[i] !== true) {
      skipped = true;
      return;
    }
    if (skipped && out.length > 0) out.push('  ...');
    skipped = false;
    out.push(cut(l, LINE_MAX));
  });
  const capped =
    out.length <= maxLines
      ? out
      : [
          ...out.slice(0, maxLines - 1),
          `  ... ${out.length - maxLines + 1} more lines (airlock-ot policy propose prints them all)`,
        ];
  return {
    added: lines.filter((l) => l.startsWith('+ ')).length,
    removed: lines.filter((l) => l.startsWith('- ')).length,
    diff: capped,
  };
}

const storedReplaySchema = z.object({
  since: z.number().int().nonnegative(),
  replayed: z.number().int().nonnegative(),
  refused: z.array(
    z.object({
      at: z.number().int().nonnegative(),
      source: z.enum(['audit', 'learned']),
      seq: z.number().int().nonnegative().optional(),
      sessionId: z.string(),
      operation: z.unknown(),
      /** The protocol's own one-line summary, where the replay gives one (preferred). */
      summary: z.string().optional(),
      rule: z.string(),
      reason: z.string(),
    }),
  ),
});

/**
 * An operation in words when the replay gave no summary of its own: the Modbus facts in the CLI's
 * order, anything else as its JSON.
 */
export function describeOperation(op: unknown): string {
  const o = z
    .object({
      unit: z.number(),
      fc: z.number(),
      table: z.string().optional(),
      address: z.number().optional(),
      quantity: z.number().optional(),
      values: z.array(z.union([z.number(), z.boolean()])).optional(),
    })
    .safeParse(op);
  if (!o.success) return cut(JSON.stringify(op) ?? 'unknown', 300);
  const { unit, fc, table, address, quantity, values } = o.data;
  const parts = [`unit ${unit} fc ${fc}`];
  if (table !== undefined) parts.push(table);
  if (address !== undefined) parts.push(String(address));
  if (quantity !== undefined) parts.push(`x${quantity}`);
  if (values !== undefined) parts.push(`= ${values.join(',')}`);
  return cut(parts.join(' '), 300);
}

/** The stored replay result (JSON) as published; null when it does not parse. */
export function replaySummary(json: string, maxRefusals: number): ReplaySummary | null {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return null;
  }
  const r = storedReplaySchema.safeParse(value);
  if (!r.success) return null;
  return {
    since: r.data.since,
    replayed: r.data.replayed,
    refusedTotal: r.data.refused.length,
    refused: r.data.refused.slice(0, maxRefusals).map((x) => ({
      at: x.at,
      source: x.source,
      ...(x.seq === undefined ? {} : { seq: x.seq }),
      sessionId: cut(x.sessionId, 64),
      operation: cut(x.summary ?? describeOperation(x.operation), 300),
      rule: cut(x.rule, 100),
      reason: cut(x.reason, 300),
    })),
  };
}
