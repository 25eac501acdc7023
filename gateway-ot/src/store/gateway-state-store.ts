/**
 * Small named facts about this OT gateway (enrollment, lockdowns, the audit outbox cursor), one
 * JSON row each in `gateway_state`. Values are parsed with the caller's schema on read, so a row
 * edited by hand into something invalid is reported, never used.
 */
import type { z } from 'zod';
import type { Db } from '../../../shared/src/store/open-database.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { parseWith } from '../../../shared/src/config/format-issues.js';
import { formatProblems } from '../../../shared/src/result.js';

export class GatewayStateStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      get: db.prepare<[string], { value: string }>('SELECT value FROM gateway_state WHERE key = ?'),
      put: db.prepare(
        'INSERT INTO gateway_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      ),
      remove: db.prepare('DELETE FROM gateway_state WHERE key = ?'),
    };
  }

  get<S extends z.ZodType>(key: string, schema: S): z.output<S> | undefined {
    const row = this.stmts.get.get(key);
    if (row === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(row.value) as unknown;
    } catch (e) {
      throw new AirlockError(
        'internal',
        'state.corrupt',
        `gateway state ${key} is not valid JSON`,
        { cause: e },
      );
    }
    const r = parseWith(schema, json);
    if (!r.ok)
      throw new AirlockError(
        'internal',
        'state.corrupt',
        `gateway state ${key} is invalid: ${formatProblems(r.error)}`,
      );
    return r.value;
  }

  put(key: string, value: unknown, now: number): void {
    this.stmts.put.run(key, JSON.stringify(value), now);
  }

  remove(key: string): void {
    this.stmts.remove.run(key);
  }
}
