/**
 * The messages between the portal's terminal pages (xterm.js in the browser) and the IT gateway,
 * over one WebSocket per terminal. Binary frames are terminal bytes: keys from the browser, output
 * to it. Text frames are the JSON messages below, parsed here (strict: an unknown field is refused)
 * and nowhere else.
 *
 * Browser -> IT: exactly one `start` (operator terminal) or `watch` (supervisor) first, carrying the
 * portal session's CSRF token, then `resize` at any time (operator only).
 * IT -> browser: `started` or `refused`, then `notice` and `exit` as they come, then `ended` just
 * before the gateway closes the socket.
 */
import { z } from 'zod';
import { parseWith } from '../../../../shared/src/config/format-issues.js';
import type { Problem, Result } from '../../../../shared/src/result.js';

/** Largest browser frame: a paste of 32 KiB of keys, or a control message. */
export const TERMINAL_MAX_PAYLOAD = 64 * 1024;
export const TERMINAL_OPEN_PATH = '/terminal/v1/open';
export const TERMINAL_WATCH_PATH = '/terminal/v1/watch';

const cols = z.number().int().min(10).max(1000);
const rows = z.number().int().min(2).max(500);
const csrf = z.string().min(1).max(200);

export const browserMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('start'), csrf, cols, rows }),
  z.strictObject({ type: z.literal('watch'), csrf }),
  z.strictObject({ type: z.literal('resize'), cols, rows }),
]);
export type BrowserMessage = z.output<typeof browserMessageSchema>;

export type ServerMessage =
  | {
      readonly type: 'started';
      readonly sessionId: string;
      readonly site: string;
      readonly asset: string;
      readonly user: string;
      readonly profile: string;
      readonly notAfter: number;
    }
  | { readonly type: 'refused'; readonly code: string; readonly message: string }
  | { readonly type: 'notice'; readonly message: string }
  | { readonly type: 'exit'; readonly status: number | null; readonly signal: string | null }
  | { readonly type: 'ended'; readonly reason: string };

export function parseBrowserMessage(text: string): Result<BrowserMessage, Problem[]> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: [{ path: '', message: 'expected a JSON object' }] };
  }
  return parseWith(browserMessageSchema, json);
}
