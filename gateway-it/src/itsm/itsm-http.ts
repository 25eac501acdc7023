/**
 * One HTTP exchange with an ITSM: node's fetch (undici, non-blocking) with a hard deadline
 * (AbortSignal.timeout) over the whole exchange including the body, the body parsed as JSON and
 * then by a zod schema; an answer past 1 MiB is refused unread. Every failure is an ItsmError naming what went wrong (the timeout, the
 * status, the first field that did not fit); the URL's query and the headers (credentials) are
 * never put in an error.
 */
import type { z } from 'zod';
import { ItsmError } from './connector.js';

export interface HttpCall {
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly timeoutMs: number;
  readonly fetch: typeof fetch;
}

/** An ITSM answer larger than this is refused (a record and its CIs are a few KiB). */
export const MAX_ANSWER_BYTES = 1024 * 1024;

/** The body as text, refused (and the rest not read) past `max` bytes. */
async function readLimited(res: Response, max: number, where: string): Promise<string> {
  if (res.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    if (size > max) {
      await res.body.cancel().catch(() => undefined);
      throw new ItsmError('itsm.malformed', `${where} answered with more than ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Where a call went, safe to show: origin and path, no query. */
export const describeUrl = (url: URL): string => `${url.origin}${url.pathname}`;

/** Runs the call; answers the parsed body, or undefined for 404 when `allowNotFound`. */
export async function callJson<S extends z.ZodType>(
  call: HttpCall,
  schema: S,
  options: { allowNotFound?: boolean } = {},
): Promise<z.output<S> | undefined> {
  const where = describeUrl(call.url);
  const signal = AbortSignal.timeout(call.timeoutMs);
  let text: string;
  let status: number;
  try {
    const res = await call.fetch(call.url, {
      method: call.method,
      headers: {
        accept: 'application/json',
        ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...call.headers,
      },
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
      signal,
      redirect: 'error',
    });
    status = res.status;
    text = await readLimited(res, MAX_ANSWER_BYTES, where);
  } catch (e) {
    if (e instanceof ItsmError) throw e;
    if (signal.aborted)
      throw new ItsmError('itsm.timeout', `${where} did not answer within ${call.timeoutMs} ms`);
    throw new ItsmError('itsm.unreachable', `${where} could not be reached`, e);
  }
  if (status === 404 && options.allowNotFound === true) return undefined;
  if (status < 200 || status > 299)
    throw new ItsmError('itsm.http_status', `${where} answered HTTP ${status}`);
  if (text.trim() === '' && status === 204) return schema.parse(undefined) as z.output<S>;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ItsmError('itsm.malformed', `${where} answered with a body that is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue === undefined || issue.path.length === 0 ? '(body)' : issue.path.join('.');
    throw new ItsmError(
      'itsm.malformed',
      `${where} answered with a malformed body: ${path}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}
