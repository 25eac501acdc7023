/**
 * Reading a JSON request body at the HTTP boundary: bounded in size (also when no Content-Length is
 * sent), parsed, and validated against a strict schema; any problem becomes a 400 naming the field.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { AirlockError } from '../../../shared/src/errors.js';
import { parseWith } from '../../../shared/src/config/format-issues.js';
import { badRequest } from './error-response.js';

export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AirlockError(
        'bad_request',
        'request.too_large',
        `request body exceeds ${maxBytes} bytes`,
      );
    },
  });
}

export async function readJsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
): Promise<z.output<S>> {
  let json: unknown;
  try {
    json = (await c.req.json()) as unknown;
  } catch {
    throw new AirlockError('bad_request', 'request.not_json', 'request body must be a JSON object');
  }
  const r = parseWith(schema, json);
  if (!r.ok) throw badRequest(r.error);
  return r.value;
}
