/**
 * The one place HTTP answers are derived from errors: kind -> status, and a JSON body with the code
 * and a message that names the problem. Internal errors never expose their cause.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AirlockError, type ErrorKind } from '../../../shared/src/errors.js';
import type { Problem } from '../../../shared/src/result.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';

export const STATUS_BY_KIND: Readonly<Record<ErrorKind, ContentfulStatusCode>> = {
  bad_request: 400,
  unauthenticated: 401,
  access_denied: 403,
  not_found: 404,
  conflict: 409,
  limit_exceeded: 429,
  unavailable: 503,
  internal: 500,
};

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly problems?: readonly Problem[];
    readonly details?: Readonly<Record<string, unknown>>;
  };
}

export function errorBody(e: AirlockError): ErrorBody {
  if (e.kind === 'internal') return { error: { code: 'internal', message: 'internal error' } };
  const problems = e.details.problems as Problem[] | undefined;
  const details = Object.fromEntries(Object.entries(e.details).filter(([k]) => k !== 'problems'));
  return {
    error: {
      code: e.code,
      message: e.message,
      ...omitUndefined({ problems }),
      ...(Object.keys(details).length === 0 ? {} : { details }),
    },
  };
}

export function respondWithError(c: Context, e: AirlockError): Response {
  return c.json(errorBody(e), STATUS_BY_KIND[e.kind]);
}

export function badRequest(problems: readonly Problem[]): AirlockError {
  const first = problems[0];
  const message =
    first === undefined
      ? 'bad request'
      : first.path === ''
        ? first.message
        : `${first.path}: ${first.message}`;
  return new AirlockError('bad_request', 'request.invalid', message, { details: { problems } });
}

/** 413 for a body over the size limit (before it is parsed). */
export function respondTooLarge(c: Context, limit: number): Response {
  return c.json(
    errorBody(
      new AirlockError(
        'bad_request',
        'request.too_large',
        `the request body is larger than ${limit} bytes`,
      ),
    ),
    413,
  );
}
