/**
 * The web terminal's WebSocket endpoint on the portal's HTTPS port: `/terminal/v1/open?site&asset`
 * (an operator's SSH shell) and `/terminal/v1/watch?session` (an OT owner's read-only view of a
 * live session). Other paths are not taken (`handleUpgrade` answers false): the link's, or a 404.
 *
 * Checked before the upgrade: the path and query (parsed), the Origin is this gateway's own
 * (cross-site WebSocket hijacking), and the portal session cookie names a live session of an
 * account that may act. Checked after it, before anything opens: the first message arrives within
 * START_TIMEOUT_MS and carries the portal session's CSRF token (so a page on another origin that
 * somehow got the cookie sent still cannot drive the socket). Then the session opens through
 * OperatorSessions (the same access check, ticket and audit as the native SSH endpoint), or the
 * refusal is sent with its reason. The portal session is re-checked every RECHECK_MS: logging out,
 * or the account being disabled, ends the terminal; a browser that did not answer the previous
 * tick's ping is cut off (closing its socket ends the session).
 *
 * The WebSocket server sets `maxPayload` (TERMINAL_MAX_PAYLOAD) and no compression; at most
 * `maxSockets` terminal sockets are open at once.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { parse as parseCookies } from 'hono/utils/cookie';
import type { AuditLog } from '../../../../shared/src/audit/audit-log.js';
import type { Clock, TimerHandle } from '../../../../shared/src/clock.js';
import { constantTimeEqual } from '../../../../shared/src/crypto/hash.js';
import { toAirlockError } from '../../../../shared/src/errors.js';
import type { UserId } from '../../../../shared/src/ids.js';
import type { Logger } from '../../../../shared/src/log.js';
import { sessionIdSchema } from '../../../../shared/src/link/control-messages.js';
import { nameSchema } from '../../../../shared/src/model/session-ticket.js';
import { isOtOwnerOf } from '../../access/access.js';
import { SESSION_COOKIE } from '../cookies.js';
import type { Principal } from '../principal.js';
import { resolveCredential, type SessionAuthenticatorDeps } from '../session-authenticator.js';
import {
  parseBrowserMessage,
  TERMINAL_MAX_PAYLOAD,
  TERMINAL_OPEN_PATH,
  TERMINAL_WATCH_PATH,
  type BrowserMessage,
} from './terminal-protocol.js';
import {
  CLOSE_POLICY,
  CLOSE_REFUSED,
  closeBrowser,
  relayOperatorTerminal,
  relayWatcher,
  type RelayedSession,
} from './terminal-relay.js';

export const START_TIMEOUT_MS = 10_000;
export const RECHECK_MS = 30_000;

/** What the endpoint needs of gateway-it/src/sessions/operator-sessions.ts. */
export interface TerminalSessions {
  open(req: {
    user: UserId;
    site: string;
    asset: string;
    protocol: 'ssh';
    channel: 'ssh-session';
    via: 'web';
    source?: string;
  }): Promise<RelayedSession>;
  get(id: string): RelayedSession | undefined;
}

export interface TerminalEndpointDeps {
  readonly sessions: TerminalSessions;
  readonly credentials: SessionAuthenticatorDeps;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly log: Logger;
  readonly maxSockets?: number;
}

export interface TerminalEndpoint {
  /** Takes an upgrade request for a /terminal/ path (true), or leaves it to others (false). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Stops taking upgrades and closes the open terminal sockets. */
  close(): void;
}

type Target =
  | { readonly kind: 'open'; readonly site: string; readonly asset: string }
  | { readonly kind: 'watch'; readonly sessionId: string };

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

function targetOf(url: URL): Target | undefined {
  if (url.pathname === TERMINAL_OPEN_PATH) {
    const site = nameSchema.safeParse(url.searchParams.get('site'));
    const asset = nameSchema.safeParse(url.searchParams.get('asset'));
    return site.success && asset.success
      ? { kind: 'open', site: site.data, asset: asset.data }
      : undefined;
  }
  if (url.pathname === TERMINAL_WATCH_PATH) {
    const id = sessionIdSchema.safeParse(url.searchParams.get('session'));
    return id.success ? { kind: 'watch', sessionId: id.data } : undefined;
  }
  return undefined;
}

/** The Origin must be this gateway as the browser reached it (scheme https, same host and port). */
function isSameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  const host = req.headers.host;
  if (origin === undefined || host === undefined) return false;
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin') return false;
  return origin === `https://${host}`;
}

export function createTerminalEndpoint(deps: TerminalEndpointDeps): TerminalEndpoint {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: TERMINAL_MAX_PAYLOAD,
    perMessageDeflate: false,
    clientTracking: true,
  });
  const maxSockets = deps.maxSockets ?? 256;
  const log = deps.log;

  const principalOf = (secret: string): Principal | undefined =>
    resolveCredential(deps.credentials, secret, 'session');

  const run = (ws: WebSocket, target: Target, secret: string, source: string): void => {
    let closed = false;
    let recheck: TimerHandle | undefined;
    const startTimer = deps.clock.setTimeout(
      () =>
        closeBrowser(ws, CLOSE_POLICY, {
          type: 'refused',
          code: 'terminal.start_timeout',
          message: 'no start message',
        }),
      START_TIMEOUT_MS,
    );
    ws.on('error', (e) => log.debug('terminal socket error', { source, err: e }));
    ws.on('close', () => {
      closed = true;
      startTimer.cancel();
      recheck?.cancel();
    });
    ws.once('message', (data, isBinary) => {
      startTimer.cancel();
      const m = isBinary ? undefined : parseBrowserMessage(data.toString());
      const principal = principalOf(secret);
      const wanted = target.kind === 'open' ? 'start' : 'watch';
      if (m === undefined || !m.ok || m.value.type !== wanted)
        return closeBrowser(ws, CLOSE_POLICY, {
          type: 'refused',
          code: 'terminal.bad_start',
          message: `expected a ${wanted} message first`,
        });
      const start = m.value as Extract<BrowserMessage, { csrf: string }>;
      if (
        principal?.user === undefined ||
        typeof principal.csrfToken !== 'string' ||
        !constantTimeEqual(start.csrf, principal.csrfToken)
      ) {
        return closeBrowser(ws, CLOSE_POLICY, {
          type: 'refused',
          code: 'csrf.token',
          message: 'missing or wrong CSRF token: reload the page',
        });
      }
      // Each tick: the portal session must still be live, and the browser must have answered the
      // last ping (a vanished browser must not keep a plant session open until the grant ends).
      let answered = true;
      ws.on('pong', () => (answered = true));
      recheck = deps.clock.setInterval(() => {
        if (principalOf(secret) === undefined)
          return closeBrowser(ws, CLOSE_POLICY, {
            type: 'ended',
            reason: 'your portal session ended',
          });
        if (!answered) return ws.terminate();
        answered = false;
        ws.ping();
      }, RECHECK_MS);
      if (target.kind === 'open' && start.type === 'start') {
        void openTerminal(ws, principal, target, start, source, () => closed);
      } else if (target.kind === 'watch') {
        watch(ws, principal, target.sessionId);
      }
    });
  };

  const openTerminal = async (
    ws: WebSocket,
    p: Principal,
    t: { site: string; asset: string },
    start: { cols: number; rows: number },
    source: string,
    isClosed: () => boolean,
  ): Promise<void> => {
    let session: RelayedSession;
    try {
      session = await deps.sessions.open({
        user: p.userId,
        site: t.site,
        asset: t.asset,
        protocol: 'ssh',
        channel: 'ssh-session',
        via: 'web',
        source,
      });
    } catch (e) {
      const ae = toAirlockError(e, 'session.open_failed');
      if (ae.kind === 'internal')
        log.error('web terminal could not open a session', {
          site: t.site,
          asset: t.asset,
          err: e,
        });
      return closeBrowser(ws, CLOSE_REFUSED, {
        type: 'refused',
        code: ae.code,
        message: ae.kind === 'internal' ? 'internal error' : ae.message,
      });
    }
    if (isClosed()) return session.end('the operator closed the web terminal');
    relayOperatorTerminal(ws, session, { cols: start.cols, rows: start.rows, log });
  };

  const watch = (ws: WebSocket, p: Principal, sessionId: string): void => {
    const user = p.user;
    const session = deps.sessions.get(sessionId);
    if (user === undefined || session === undefined || session.isEnded)
      return closeBrowser(ws, CLOSE_REFUSED, {
        type: 'refused',
        code: 'session.not_live',
        message: `session ${sessionId} is not live`,
      });
    const { info } = session;
    const audit = (outcome: 'success' | 'denied', details: Record<string, unknown>): void => {
      deps.audit.append({
        action: 'session.watch',
        actor: user.name,
        site: info.site,
        target: info.asset,
        outcome,
        details: { sessionId: info.id, user: info.userName, ...details },
      });
    };
    if (!isOtOwnerOf(user, info.site)) {
      audit('denied', { event: 'start', reason: 'not an OT owner of the site' });
      return closeBrowser(ws, CLOSE_REFUSED, {
        type: 'refused',
        code: 'session.not_owner',
        message: `only an OT owner of ${info.site} may watch its sessions`,
      });
    }
    try {
      audit('success', { event: 'start' });
    } catch (e) {
      log.error('could not audit the start of a watch', { sessionId, err: e });
      return closeBrowser(ws, CLOSE_REFUSED, {
        type: 'refused',
        code: 'audit.failed',
        message: 'the watch could not be recorded',
      });
    }
    relayWatcher(ws, session, {
      supervisor: user.name,
      onLeave: (reason) => {
        try {
          audit('success', { event: 'stop', reason });
        } catch (e) {
          log.error('could not audit the end of a watch', { sessionId, err: e });
        }
      },
    });
  };

  let closed = false;
  const take = (req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void => {
    if (closed) return reject(socket, 503, 'Service Unavailable');
    socket.on('error', (e) => log.debug('terminal upgrade socket error', { err: e }));
    const target = targetOf(url);
    if (target === undefined) return reject(socket, 404, 'Not Found');
    if (!isSameOrigin(req)) return reject(socket, 403, 'Forbidden');
    const secret = parseCookies(req.headers.cookie ?? '', SESSION_COOKIE)[SESSION_COOKIE];
    if (secret === undefined || principalOf(secret) === undefined)
      return reject(socket, 401, 'Unauthorized');
    if (wss.clients.size >= maxSockets) return reject(socket, 503, 'Service Unavailable');
    const source = `${req.socket.remoteAddress ?? 'unknown'}:${req.socket.remotePort ?? 0}`;
    wss.handleUpgrade(req, socket, head, (ws) => run(ws, target, secret, source));
  };

  return {
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'https://terminal.invalid');
      if (!url.pathname.startsWith('/terminal/')) return false;
      take(req, socket, head, url);
      return true;
    },
    close() {
      closed = true;
      for (const ws of wss.clients)
        closeBrowser(ws, 1001, { type: 'ended', reason: 'the IT gateway is stopping' });
      wss.close();
    },
  };
}
