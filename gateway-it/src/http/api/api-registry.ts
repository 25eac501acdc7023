/**
 * The JSON API is declared as a list of operations (method, path, roles, body schema, handler).
 * The same list registers the hono routes and produces the OpenAPI 3.1 document (request bodies
 * from the zod schemas via z.toJSONSchema), so the document cannot drift from what is served.
 * Each operation is guarded before its handler: public ones need nothing; the others need a
 * principal (401) and, when roles are listed, one of them at some site (403); the services then
 * apply the real per-site and per-object rules.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { AirlockError } from '../../../../shared/src/errors.js';
import type { User, Role } from '../../store/store.js';
import { parseJsonBody } from '../body.js';
import { currentPrincipal, hasRole, type HttpVariables } from '../principal.js';
import { sourceAddress } from '../request-source.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ApiContext<B> {
  readonly c: Context<{ Variables: HttpVariables }>;
  readonly body: B;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  /** The signed-in account (undefined only on public operations). */
  readonly user: User;
  readonly source: string;
}

export type ApiResult =
  | { readonly status?: 200 | 201 | 202; readonly json: unknown }
  | { readonly status: 204 }
  /** A file (an export bundle): streamed as is, with its content type and download name. */
  | {
      readonly status?: 200;
      readonly file: {
        readonly stream: ReadableStream<Uint8Array>;
        readonly contentType: string;
        readonly fileName: string;
        readonly bytes: number;
      };
    };

export interface ApiOperation<B = unknown> {
  readonly method: HttpMethod;
  /** hono-style path under /api/v1 (`/requests/:id`). */
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  readonly public?: boolean;
  readonly roles?: readonly Role[];
  readonly body?: z.ZodType<B>;
  /** The query parameters the handler reads (documented in OpenAPI; the handler parses them). */
  readonly query?: z.ZodObject;
  readonly responses?: Readonly<Record<number, string>>;
  readonly handler: (ctx: ApiContext<B>) => ApiResult | Promise<ApiResult>;
}

/** Keeps the handler's body type tied to its schema. */
export function op<S extends z.ZodType>(
  o: Omit<ApiOperation<z.output<S>>, 'body'> & { body: S },
): ApiOperation<unknown>;
export function op(o: Omit<ApiOperation<undefined>, 'body'>): ApiOperation<unknown>;
export function op(o: ApiOperation<never>): ApiOperation<unknown> {
  return o as unknown as ApiOperation<unknown>;
}

export function registerOperations(
  app: Hono<{ Variables: HttpVariables }>,
  ops: readonly ApiOperation[],
): void {
  for (const o of ops) {
    app.on(o.method.toUpperCase(), o.path, async (c) => {
      let user: User | undefined;
      if (o.public !== true) {
        const p = currentPrincipal(c);
        if (p.user === undefined)
          throw new AirlockError('unauthenticated', 'auth.required', 'authentication required');
        if (o.roles !== undefined && !o.roles.some((r) => hasRole(p, r)))
          throw new AirlockError(
            'access_denied',
            'auth.role_required',
            `requires role ${o.roles.join(' or ')}`,
          );
        user = p.user;
      }
      const body = o.body === undefined ? undefined : await parseJsonBody(c, o.body);
      const result = await o.handler({
        c,
        body,
        params: c.req.param(),
        query: c.req.query(),
        user: user as User,
        source: sourceAddress(c),
      });
      if (result.status === 204) return c.body(null, 204);
      if ('file' in result) {
        const f = result.file;
        return c.body(f.stream, 200, {
          'content-type': f.contentType,
          'content-length': String(f.bytes),
          'content-disposition': `attachment; filename="${f.fileName}"`,
        });
      }
      return c.json(result.json, result.status ?? 200);
    });
  }
}

const toOpenApiPath = (p: string): string => p.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

export function openApiDocument(
  ops: readonly ApiOperation[],
  info: { version: string; serverUrl: string },
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const o of ops) {
    const path = toOpenApiPath(o.path);
    const params: unknown[] = [...o.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (o.query !== undefined) {
      const json = z.toJSONSchema(o.query, { io: 'input', unrepresentable: 'any' }) as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      for (const [name, schema] of Object.entries(json.properties ?? {}))
        params.push({
          name,
          in: 'query',
          required: json.required?.includes(name) === true,
          schema,
        });
    }
    const responses: Record<string, unknown> = {};
    for (const [code, text] of Object.entries(o.responses ?? { 200: 'OK' }))
      responses[code] = { description: text };
    if (o.public !== true) {
      responses['401'] = { description: 'not signed in (no or expired token)' };
      if (o.roles !== undefined)
        responses['403'] = { description: `requires role ${o.roles.join(' or ')}` };
    }
    if (o.body !== undefined)
      responses['400'] = { description: 'invalid body: the error names the field' };
    (paths[path] ??= {})[o.method] = {
      summary: o.summary,
      tags: [o.tag],
      operationId: `${o.method}${o.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ?? '').toUpperCase())}`,
      ...(params.length === 0 ? {} : { parameters: params }),
      ...(o.public === true ? { security: [] } : {}),
      ...(o.body === undefined
        ? {}
        : {
            requestBody: {
              required: true,
              content: {
                'application/json': {
                  schema: z.toJSONSchema(o.body, { io: 'input', unrepresentable: 'any' }),
                },
              },
            },
          }),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Airlock IT gateway API',
      version: info.version,
      description:
        'Log in with POST /api/v1/auth/login (name, password, TOTP code) to get a bearer token; send it as `Authorization: Bearer <token>`.',
    },
    servers: [{ url: info.serverUrl }],
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'token from POST /api/v1/auth/login',
        },
      },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
