/**
 * A small browser stand-in for portal tests through app.request(): keeps cookies, follows nothing
 * automatically, and posts url-encoded forms with the CSRF token scraped from the last page.
 */
import type { Harness, HarnessUser } from '../../helpers/it-harness.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';

export interface PortalAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly location: string | null;
}

export class PortalClient {
  readonly cookies = new Map<string, string>();
  csrf = '';
  pre = '';

  constructor(
    private readonly h: Harness,
    private readonly source = '10.0.0.2',
  ) {}

  async get(path: string): Promise<PortalAnswer> {
    return this.send('GET', path);
  }

  /** Posts a form; `_csrf` and `_pre` are added from the last page unless given. */
  async post(
    path: string,
    fields: Record<string, string | readonly string[]>,
    extraHeaders: Record<string, string> = {},
  ): Promise<PortalAnswer> {
    const body = new URLSearchParams();
    if (!('_csrf' in fields) && this.csrf !== '') body.append('_csrf', this.csrf);
    if (!('_pre' in fields) && this.pre !== '') body.append('_pre', this.pre);
    for (const [k, v] of Object.entries(fields))
      for (const x of typeof v === 'string' ? [v] : v) body.append(k, x);
    return this.send('POST', path, body.toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      ...extraHeaders,
    });
  }

  private async send(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<PortalAnswer> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await this.h.app.request(
      `https://airlock.test${path}`,
      {
        method,
        headers: { ...headers, ...(cookie === '' ? {} : { cookie }) },
        ...omitUndefined({ body }),
      },
      { incoming: { socket: { remoteAddress: this.source } } },
    );
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, eq);
      const value = (pair ?? '').slice(eq + 1);
      if (/Max-Age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    const csrf = /name="_csrf" value="([^"]*)"/.exec(text);
    if (csrf?.[1] !== undefined && csrf[1] !== '') this.csrf = csrf[1];
    const pre = /name="_pre" value="([^"]*)"/.exec(text);
    if (pre?.[1] !== undefined) this.pre = pre[1];
    return {
      status: res.status,
      headers: res.headers,
      text,
      location: res.headers.get('location'),
    };
  }
}

/** Logs in through the portal's forms (password, then TOTP) and lands on the dashboard. */
export async function portalLogin(
  h: Harness,
  u: HarnessUser,
  source?: string,
): Promise<PortalClient> {
  const c = new PortalClient(h, source);
  await c.get('/login');
  const step = await c.post('/login', { name: u.user.name, password: u.password });
  if (step.location !== '/login/mfa')
    throw new Error(
      `login of ${u.user.name}: ${step.status} ${step.location ?? ''} ${step.text.slice(0, 300)}`,
    );
  await c.get('/login/mfa');
  h.clock.advance(30_000);
  const done = await c.post('/login/mfa', { code: h.code(u) });
  if (done.location !== '/')
    throw new Error(`second factor of ${u.user.name}: ${done.status} ${done.text.slice(0, 300)}`);
  await c.get('/');
  return c;
}
