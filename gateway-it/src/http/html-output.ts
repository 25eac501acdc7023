/**
 * The last guard on what the portal shows: every HTML answer leaves with its control characters
 * (but TAB, LF, CR LF) and bidirectional overrides replaced by U+FFFD (shared/src/text/free-text.ts).
 * Input is refused at the boundary (body-text.ts), so this matters for text stored before that
 * check existed, and for text that reached the database another way (the CLI, an OT gateway's
 * catalogue): whatever a page renders, no ESC or U+202E reaches the browser. Pages are small; the
 * body is only rewritten when it holds such a character.
 */
import type { MiddlewareHandler } from 'hono';
import { hasUnsafeText, neutraliseText } from '../../../shared/src/text/free-text.js';

export function neutraliseHtml(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!/^text\/html\b/i.test(c.res.headers.get('content-type') ?? '')) return;
    const html = await c.res.clone().text();
    if (!hasUnsafeText(html, 'multiline')) return;
    const headers = new Headers(c.res.headers);
    headers.delete('content-length');
    c.res = new Response(neutraliseText(html, 'multiline'), {
      status: c.res.status,
      statusText: c.res.statusText,
      headers,
    });
  };
}
