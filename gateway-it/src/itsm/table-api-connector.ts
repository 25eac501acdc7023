/**
 * The table-API connector: the REST shape of the most common service-management platform
 * (ServiceNow's Table API). A ticket number names its table by prefix (`INC...` an incident,
 * anything else a change request); the record is read with
 * `GET /api/now/table/<table>?sysparm_query=number=<n>&sysparm_display_value=all` (each field as
 * `{display_value, value}`; a plain string is accepted too), its affected CIs from `task_ci`, and
 * a work note is written with `PATCH /api/now/table/<table>/<sys_id>` `{"work_notes": ...}`.
 * Dates are the platform's UTC `YYYY-MM-DD HH:mm:ss` (ISO 8601 accepted).
 */
import { z } from 'zod';
import type { ItsmConnector, LookupAnswer, TicketQuery, TicketRecord } from './connector.js';
import { ItsmError } from './connector.js';
import { callJson } from './itsm-http.js';

export interface TableApiOptions {
  readonly name: string;
  /** The instance's base URL (`https://example.service-now.com`). */
  readonly url: string;
  readonly authorization: string;
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
}

/** A field as the table API sends it: a string, or `{display_value, value}` (or `{value, link}`). */
const field = z.union([
  z.string(),
  z.looseObject({
    display_value: z.string().nullish(),
    value: z.string().nullish(),
  }),
]);
type Field = z.output<typeof field>;

const recordSchema = z.looseObject({
  sys_id: field,
  number: field,
  state: field,
  assigned_to: field.optional(),
  start_date: field.optional(),
  end_date: field.optional(),
  cmdb_ci: field.optional(),
});
const listSchema = z.looseObject({ result: z.array(recordSchema) });
const taskCiSchema = z.looseObject({ result: z.array(z.looseObject({ ci_item: field })) });
const anySchema = z.unknown();

const display = (f: Field | undefined): string =>
  f === undefined ? '' : typeof f === 'string' ? f : (f.display_value ?? f.value ?? '');
const raw = (f: Field | undefined): string =>
  f === undefined ? '' : typeof f === 'string' ? f : (f.value ?? f.display_value ?? '');

/** `2026-12-07 08:00:00` (UTC) or ISO 8601; empty is "no date"; anything else is malformed. */
export function parseTableDate(value: string, name: string): number | null {
  const v = value.trim();
  if (v === '') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(
    v,
  );
  const t =
    m === null ? Number.NaN : Date.parse(m[8] === undefined ? `${v.replace(' ', 'T')}Z` : v);
  if (Number.isNaN(t))
    throw new ItsmError('itsm.malformed', `the record's ${name} is not a date: ${v.slice(0, 40)}`);
  return t;
}

export const tableOf = (ticket: string): { table: string; kind: TicketRecord['kind'] } =>
  /^INC/i.test(ticket)
    ? { table: 'incident', kind: 'incident' }
    : { table: 'change_request', kind: 'change' };

export function createTableApiConnector(o: TableApiOptions): ItsmConnector {
  const headers = { authorization: o.authorization };
  const base = o.url.replace(/\/+$/, '');
  const get = async <S extends z.ZodType>(path: string, query: Record<string, string>, s: S) => {
    const url = new URL(`${base}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const body = await callJson(
      { method: 'GET', url, headers, timeoutMs: o.timeoutMs, fetch: o.fetch },
      s,
    );
    if (body === undefined) throw new ItsmError('itsm.malformed', 'empty answer');
    return body;
  };
  const find = async (ticket: string) => {
    const { table, kind } = tableOf(ticket);
    const list = await get(
      `/api/now/table/${table}`,
      {
        sysparm_query: `number=${ticket}`,
        sysparm_limit: '1',
        sysparm_display_value: 'all',
        sysparm_fields: 'sys_id,number,state,assigned_to,start_date,end_date,cmdb_ci',
      },
      listSchema,
    );
    const row = list.result[0];
    return row === undefined ? undefined : { table, kind, row };
  };
  return {
    name: o.name,
    type: 'table-api',
    async lookup(q: TicketQuery): Promise<LookupAnswer> {
      const found = await find(q.ticket);
      if (found === undefined) return { type: 'missing' };
      const { row, kind } = found;
      if (display(row.number).toUpperCase() !== q.ticket.toUpperCase())
        throw new ItsmError(
          'itsm.malformed',
          `asked for ${q.ticket}, the table API answered ${display(row.number).slice(0, 40)}`,
        );
      const affected = await get(
        '/api/now/table/task_ci',
        {
          sysparm_query: `task=${raw(row.sys_id)}`,
          sysparm_display_value: 'all',
          sysparm_fields: 'ci_item',
        },
        taskCiSchema,
      );
      const cis = [display(row.cmdb_ci), ...affected.result.map((r) => display(r.ci_item))].filter(
        (c) => c !== '',
      );
      const state = display(row.state);
      const stateValue = raw(row.state);
      const record: TicketRecord = {
        number: display(row.number),
        kind,
        state,
        stateValue: stateValue === state ? null : stateValue,
        assignedTo: display(row.assigned_to) === '' ? null : display(row.assigned_to),
        plannedStart: parseTableDate(raw(row.start_date), 'start_date'),
        plannedEnd: parseTableDate(raw(row.end_date), 'end_date'),
        cis: [...new Set(cis)],
      };
      return { type: 'record', record };
    },
    async addWorkNote(ticket: string, note: string): Promise<void> {
      const found = await find(ticket);
      if (found === undefined)
        throw new ItsmError('itsm.http_status', `no record ${ticket} to add a work note to`);
      const url = new URL(
        `${base}/api/now/table/${found.table}/${encodeURIComponent(raw(found.row.sys_id))}`,
      );
      await callJson(
        {
          method: 'PATCH',
          url,
          headers,
          body: { work_notes: note },
          timeoutMs: o.timeoutMs,
          fetch: o.fetch,
        },
        anySchema,
      );
    },
  };
}
