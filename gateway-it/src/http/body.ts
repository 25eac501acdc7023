/**
 * Request bodies parsed at the boundary into typed values: JSON for the API (content type
 * required, so a cross-site form cannot post to it), url-encoded forms for the portal. Bad input
 * becomes a 400 whose message names the field (error-response.ts badRequest); every string is
 * judged as free text first (body-text.ts: no control characters or bidi overrides).
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { AirlockError } from '../../../shared/src/errors.js';
import { parseWith } from '../../../shared/src/config/format-issues.js';
import { badRequest } from './error-response.js';
import { bodyTextProblems } from './body-text.js';

/** The largest body any route accepts; requests above it get 413 before parsing. */
export const MAX_BODY_BYTES = 64 * 1024;

export async function parseJsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
): Promise<z.output<S>> {
  if (!/^application\/json\s*(;|$)/i.test(c.req.header('content-type') ?? '')) {
    throw new AirlockError(
      'bad_request',
      'request.content_type',
      'send the body as application/json',
    );
  }
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new AirlockError('bad_request', 'request.bad_json', 'the body is not valid JSON');
  }
  const text = bodyTextProblems(raw);
  if (text.length > 0) throw badRequest(text);
  const r = parseWith(schema, raw);
  if (!r.ok) throw badRequest(r.error);
  return r.value;
}

/** Form fields as strings (repeated fields as arrays), without the CSRF fields, validated. */
export async function parseFormBody<S extends z.ZodType>(
  c: Context,
  schema: S,
): Promise<z.output<S>> {
  const form = await c.req.parseBody({ all: true });
  const fields: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(form)) {
    if (k === '_csrf' || k === '_pre') continue;
    const values = (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');
    fields[k] = values.length === 1 && !Array.isArray(v) ? (values[0] ?? '') : values;
  }
  const text = bodyTextProblems(fields);
  if (text.length > 0) throw badRequest(text);
  const r = parseWith(schema, fields);
  if (!r.ok) throw badRequest(r.error);
  return r.value;
}
