/**
 * A small local stand-in for a service-management system, for the demo and the tests. It serves
 * the two shapes Airlock's ITSM connectors speak, over plain HTTP on loopback:
 *
 * - the table API: `GET /api/now/table/{change_request,incident}?sysparm_query=number=<n>` (each
 *   field as `{display_value, value}`), `GET /api/now/table/task_ci?sysparm_query=task=<sys_id>`
 *   (affected CIs), `PATCH /api/now/table/<table>/<sys_id>` with `{"work_notes": ...}`;
 * - a JSON webhook at `POST /webhook`: `ticket.check` answers `{allow, reason, record}` by the same
 *   rules Airlock applies to table records; `ticket.work_note` appends a note.
 *
 * Every call needs the configured credentials (HTTP Basic or Bearer), else 401. A record may ask
 * for a misbehaviour (`hang`: never answer; `not-json`; `bad-shape`; `huge`: 2 MiB) so tests see the failures a
 * real ITSM produces. Work notes are kept in memory (`notes`). Not a model of any product's
 * business rules: states are labels, nothing moves on its own.
 *
 *   node dist/image/demo/itsm/itsm-standin.js [--port N] [--credentials-file FILE]
 *
 * prints one JSON line `{"itsm": {"url": ...}}` and serves the demo records until SIGINT/SIGTERM.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export type Misbehaviour = 'hang' | 'not-json' | 'bad-shape' | 'huge';

export interface StandInRecord {
  readonly number: string;
  /** Shown state ("Implement") and its raw value ("-1"). */
  readonly state: string;
  readonly stateValue?: string;
  readonly assignedTo?: string;
  /** ISO 8601 instants. */
  readonly start?: string;
  readonly end?: string;
  /** The main CI and the affected CIs. */
  readonly ci?: string | undefined;
  readonly affectedCis?: readonly string[];
  /** Table API and webhook misbehave for this ticket. */
  readonly misbehave?: Misbehaviour;
}

export interface StandInCredentials {
  readonly username?: string;
  readonly password?: string;
  readonly token?: string;
}

export interface StandInOptions {
  readonly records: readonly StandInRecord[];
  readonly credentials: StandInCredentials;
  /** States the webhook accepts (its own rule, as a site's ITSM would decide). */
  readonly webhookAllowedStates?: readonly string[];
  readonly port?: number;
  readonly host?: string;
  /** Told of each work note as it arrives (the command prints them). */
  readonly onNote?: (n: WorkNote) => void;
}

export interface WorkNote {
  readonly ticket: string;
  readonly via: 'table-api' | 'webhook';
  readonly text: string;
}

export interface ItsmStandIn {
  readonly url: string;
  readonly webhookUrl: string;
  /** Work notes received, oldest first. */
  readonly notes: readonly WorkNote[];
  /** Resolves when `n` notes have arrived (tests wait for the state, not for time). */
  waitForNotes(n: number): Promise<readonly WorkNote[]>;
  /** Requests seen (method and path), for tests. */
  readonly seen: readonly string[];
  /** Replaces a record (a change moves on: approved, closed, rescheduled). */
  put(record: StandInRecord): void;
  close(): Promise<void>;
}

const sysIdOf = (number: string): string => `sys-${number.toLowerCase()}`;
const field = (v: string | undefined, raw?: string) => ({
  display_value: v ?? '',
  value: raw ?? v ?? '',
});
/** The platform's UTC date format. */
const tableDate = (iso: string | undefined): string =>
  iso === undefined ? '' : new Date(iso).toISOString().slice(0, 19).replace('T', ' ');

function expectedAuth(c: StandInCredentials): string {
  if (c.token !== undefined) return `Bearer ${c.token}`;
  return `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
}

export async function startItsmStandIn(o: StandInOptions): Promise<ItsmStandIn> {
  const records = new Map(o.records.map((r) => [r.number.toUpperCase(), r]));
  const notes: WorkNote[] = [];
  const seen: string[] = [];
  const waiters: { n: number; resolve: (v: readonly WorkNote[]) => void }[] = [];
  const auth = expectedAuth(o.credentials);
  const allowed = (o.webhookAllowedStates ?? ['Scheduled', 'Implement']).map((s) =>
    s.toLowerCase(),
  );
  const addNote = (n: WorkNote): void => {
    notes.push(n);
    o.onNote?.(n);
    for (const w of [...waiters])
      if (notes.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve([...notes]);
      }
  };
  const send = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  /** Applies a record's misbehaviour; true when it took the response over. */
  const misbehave = (r: StandInRecord | undefined, res: ServerResponse): boolean => {
    switch (r?.misbehave) {
      case undefined:
        return false;
      case 'hang':
        return true; // never answered; closed with the server
      case 'not-json':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>maintenance</html>');
        return true;
      case 'huge':
        send(res, 200, { result: [], padding: 'x'.repeat(2 * 1024 * 1024) });
        return true;
      case 'bad-shape':
        send(res, 200, { result: [{ sys_id: 'x', number: r.number, state: 42 }], allow: 'yes' });
        return true;
    }
  };
  const tableRow = (r: StandInRecord) => ({
    sys_id: field(sysIdOf(r.number)),
    number: field(r.number),
    state: field(r.state, r.stateValue),
    assigned_to: field(r.assignedTo, r.assignedTo === undefined ? '' : `user-${r.assignedTo}`),
    start_date: field(r.start === undefined ? '' : tableDate(r.start)),
    end_date: field(r.end === undefined ? '' : tableDate(r.end)),
    cmdb_ci: field(r.ci, r.ci === undefined ? '' : `ci-${r.ci}`),
  });
  const judge = (
    r: StandInRecord,
    body: Record<string, unknown>,
  ): { allow: boolean; reason: string } => {
    if (!allowed.includes(r.state.toLowerCase()))
      return { allow: false, reason: `${r.number} is ${r.state}` };
    const from = Date.parse(String(body['startsAt']));
    const to = Date.parse(String(body['endsAt']));
    if (
      r.start === undefined ||
      r.end === undefined ||
      from < Date.parse(r.start) ||
      to > Date.parse(r.end)
    )
      return { allow: false, reason: `${r.number} is not planned for that time` };
    const cis = [r.ci, ...(r.affectedCis ?? [])].filter((c): c is string => c !== undefined);
    const assets = Array.isArray(body['assets']) ? (body['assets'] as { ci?: unknown }[]) : [];
    const missing = assets.filter((a) => cis.length > 0 && !cis.includes(String(a.ci)));
    if (missing.length > 0)
      return {
        allow: false,
        reason: `${r.number} does not cover ${missing.map((a) => String(a.ci)).join(', ')}`,
      };
    return { allow: true, reason: `${r.number} approved for this work` };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    seen.push(`${req.method ?? ''} ${url.pathname}`);
    if (req.headers.authorization !== auth)
      return send(res, 401, { error: { message: 'User Not Authenticated' } });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: Record<string, unknown> = {};
    if (text !== '') {
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return send(res, 400, { error: { message: 'bad JSON' } });
      }
    }
    const table = /^\/api\/now\/table\/([a-z_]+)(?:\/([^/]+))?$/.exec(url.pathname);
    if (req.method === 'GET' && table !== null && table[2] === undefined) {
      const query = url.searchParams.get('sysparm_query') ?? '';
      if (table[1] === 'task_ci') {
        const r = [...records.values()].find((x) => `task=${sysIdOf(x.number)}` === query);
        return send(res, 200, {
          result: (r?.affectedCis ?? []).map((ci) => ({ ci_item: field(ci, `ci-${ci}`) })),
        });
      }
      if (table[1] !== 'change_request' && table[1] !== 'incident')
        return send(res, 400, { error: { message: 'no such table' } });
      const number = query.startsWith('number=') ? query.slice('number='.length).toUpperCase() : '';
      const r = records.get(number);
      const inTable = r !== undefined && (table[1] === 'incident') === /^INC/i.test(r.number);
      if (inTable && misbehave(r, res)) return;
      return send(res, 200, { result: inTable ? [tableRow(r)] : [] });
    }
    if (req.method === 'PATCH' && table !== null && table[2] !== undefined) {
      const r = [...records.values()].find((x) => sysIdOf(x.number) === table[2]);
      if (r === undefined) return send(res, 404, { error: { message: 'No Record found' } });
      if (typeof body['work_notes'] !== 'string')
        return send(res, 400, { error: { message: 'work_notes missing' } });
      addNote({ ticket: r.number, via: 'table-api', text: body['work_notes'] });
      return send(res, 200, { result: tableRow(r) });
    }
    if (req.method === 'POST' && url.pathname === '/webhook') {
      const ticket = String(body['ticket'] ?? '').toUpperCase();
      const r = records.get(ticket);
      if (body['event'] === 'ticket.work_note') {
        if (typeof body['note'] !== 'string') return send(res, 400, { error: 'note missing' });
        addNote({ ticket, via: 'webhook', text: body['note'] });
        return send(res, 200, { ok: true });
      }
      if (body['event'] !== 'ticket.check') return send(res, 400, { error: 'unknown event' });
      if (misbehave(r, res)) return;
      if (r === undefined) return send(res, 200, { allow: false, reason: `no ticket ${ticket}` });
      return send(res, 200, {
        ...judge(r, body),
        record: {
          number: r.number,
          kind: /^INC/i.test(r.number) ? 'incident' : 'change',
          state: r.state,
          assignedTo: r.assignedTo ?? null,
          plannedStart: r.start ?? null,
          plannedEnd: r.end ?? null,
          cis: [r.ci, ...(r.affectedCis ?? [])].filter((c) => c !== undefined),
        },
      });
    }
    return send(res, 404, { error: { message: 'not found' } });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: { message: 'stand-in failure' } });
    });
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${o.host ?? '127.0.0.1'}:${port}`;
  return {
    url,
    webhookUrl: `${url}/webhook`,
    notes,
    seen,
    put: (r) => void records.set(r.number.toUpperCase(), r),
    waitForNotes: (n) =>
      notes.length >= n
        ? Promise.resolve([...notes])
        : new Promise((resolve) => waiters.push({ n, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The demo's records: one change per state a newcomer should see, all for plant-1's assets. */
export function demoRecords(now: number): StandInRecord[] {
  const day = 24 * 3_600_000;
  const start = new Date(now - day).toISOString();
  const end = new Date(now + 7 * day).toISOString();
  return [
    {
      number: 'CHG0001001',
      state: 'Implement',
      stateValue: '-1',
      assignedTo: 'alice',
      start,
      end,
      ci: 'HMI-1',
      affectedCis: ['PLC-1', 'OPC-1'],
    },
    {
      number: 'CHG0001002',
      state: 'Scheduled',
      stateValue: '-2',
      assignedTo: 'victor',
      start,
      end,
      ci: 'HMI-1',
    },
    {
      number: 'CHG0001003',
      state: 'Assess',
      stateValue: '-4',
      assignedTo: 'alice',
      start,
      end,
      ci: 'HMI-1',
    },
    {
      number: 'CHG0001004',
      state: 'Closed',
      stateValue: '3',
      assignedTo: 'alice',
      start,
      end,
      ci: 'HMI-1',
    },
    {
      number: 'INC0002001',
      state: 'In Progress',
      stateValue: '2',
      assignedTo: 'alice',
      start,
      end,
      ci: 'PLC-1',
    },
  ];
}

async function main(argv: readonly string[]): Promise<void> {
  let port = 0;
  let credentials: StandInCredentials = { username: 'airlock', password: 'demo-itsm' };
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]];
    if (k === '--port' && v !== undefined && /^\d+$/.test(v)) port = Number(v);
    else if (k === '--credentials-file' && v !== undefined)
      credentials = JSON.parse(readFileSync(v, 'utf8')) as StandInCredentials;
    else {
      process.stderr.write('usage: itsm-standin.js [--port N] [--credentials-file FILE]\n');
      process.exit(2);
    }
  }
  const s = await startItsmStandIn({
    records: demoRecords(Date.now()),
    credentials,
    port,
    onNote: (n) => process.stdout.write(`${JSON.stringify({ workNote: n })}\n`),
  });
  process.stdout.write(`${JSON.stringify({ itsm: { url: s.url, webhookUrl: s.webhookUrl } })}\n`);
  const stop = (): void => void s.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1])
  void main(process.argv.slice(2));
