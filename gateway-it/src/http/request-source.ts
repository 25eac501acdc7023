/**
 * The peer address of a request, for rate limits and audit records: the TCP peer as node's
 * server saw it. Forwarded-for headers are ignored on purpose (anyone can send them); a deployment
 * behind a proxy would configure the proxy's address, which this gateway does not support yet.
 */
import type { Context } from 'hono';

interface NodeBindings {
  readonly incoming?: { readonly socket?: { readonly remoteAddress?: string } };
}

export function sourceAddress(c: Context): string {
  const env = c.env as NodeBindings | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}
