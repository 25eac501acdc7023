/**
 * The link's WebSocket endpoint on the IT gateway's HTTPS port (no extra port to open): takes the
 * HTTPS server's 'upgrade' events for the control path and for per-session data paths, runs the
 * handshake, and hands authenticated connections to the registry. Both WebSocket servers set
 * `maxPayload` (control: MAX_CONTROL_FRAME_BYTES, data: DATA_SOCKET_MAX_PAYLOAD) and no compression.
 * Unknown /link/ paths, data paths for sessions nobody is opening, and more than
 * `maxPendingHandshakes` handshakes at once are refused before the upgrade. Paths outside /link/
 * are not taken (`handleUpgrade` answers false): the HTTPS server offers them to its other
 * handlers (the web terminal) and answers 404 when none takes them.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Clock } from '../../../shared/src/clock.js';
import type { Logger } from '../../../shared/src/log.js';
import {
  CONTROL_PATH,
  DATA_PATH_PREFIX,
  MAX_CONTROL_FRAME_BYTES,
  sessionIdSchema,
} from '../../../shared/src/link/control-messages.js';
import { socketErrorViolation } from '../../../shared/src/link/frame-codec.js';
import { FrameInbox } from '../../../shared/src/link/frame-inbox.js';
import { DATA_SOCKET_MAX_PAYLOAD } from '../../../shared/src/link/session-channel.js';
import type { Expected, LinkAuthenticator } from './link-authenticator.js';
import type { SiteLinks } from './site-links.js';
import { CLOSE_VIOLATION } from './control-link.js';

export interface LinkEndpointDeps {
  readonly authenticator: LinkAuthenticator;
  readonly links: SiteLinks;
  readonly clock: Clock;
  readonly log: Logger;
  readonly maxPendingHandshakes?: number;
}

export interface LinkEndpoint {
  /** Takes an upgrade request for a /link/ path (true), or leaves it to others (false). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Stops taking upgrades (live connections are closed by the registry). */
  close(): void;
}

function decodePathPart(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function reject(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

export function createLinkEndpoint(deps: LinkEndpointDeps): LinkEndpoint {
  const control = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_CONTROL_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const data = new WebSocketServer({
    noServer: true,
    maxPayload: DATA_SOCKET_MAX_PAYLOAD,
    perMessageDeflate: false,
    clientTracking: false,
  });
  const maxPending = deps.maxPendingHandshakes ?? 64;
  let pending = 0;

  const run = async (ws: WebSocket, expected: Expected, remote: string): Promise<void> => {
    const inbox = new FrameInbox(ws, deps.clock);
    let preAuth = true;
    ws.on('error', (e: Error & { code?: string }) => {
      const v = socketErrorViolation(e);
      if (preAuth && v !== undefined)
        deps.authenticator.recordViolation(expected, remote, v.code, v.message);
      else if (v === undefined) deps.log.debug('link socket error', { remote, err: e });
    });
    pending++;
    let outcome;
    try {
      outcome = await deps.authenticator.authenticate(ws, inbox, expected, remote);
    } finally {
      pending--;
    }
    preAuth = false;
    if (!outcome.ok) {
      if (outcome.code === 'link.handshake_timeout') ws.terminate();
      else ws.close(CLOSE_VIOLATION, outcome.code);
      return;
    }
    if (expected.channel === 'control') deps.links.attachControl(ws, inbox, outcome.peer);
    else deps.links.attachData(ws, inbox, outcome.peer, remote);
  };

  let closed = false;
  const take = (req: IncomingMessage, socket: Duplex, head: Buffer, path: string): void => {
    if (closed) return reject(socket, 503, 'Service Unavailable');
    socket.on('error', (e) => deps.log.debug('link upgrade socket error', { err: e }));
    const remote = req.socket.remoteAddress ?? 'unknown';
    let expected: Expected;
    let wss: WebSocketServer;
    if (path === CONTROL_PATH) {
      expected = { channel: 'control' };
      wss = control;
    } else if (path.startsWith(DATA_PATH_PREFIX)) {
      const id = sessionIdSchema.safeParse(decodePathPart(path.slice(DATA_PATH_PREFIX.length)));
      if (!id.success || !deps.links.isAwaitingData(id.data))
        return reject(socket, 404, 'Not Found');
      expected = { channel: 'data', sessionId: id.data };
      wss = data;
    } else {
      return reject(socket, 404, 'Not Found');
    }
    if (pending >= maxPending) {
      deps.log.warn('too many link handshakes in progress; refusing', { remote, pending });
      return reject(socket, 503, 'Service Unavailable');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      void run(ws, expected, remote).catch((e: unknown) => {
        deps.log.error('link handshake failed', { remote, err: e });
        ws.terminate();
      });
    });
  };

  return {
    handleUpgrade(req, socket, head) {
      const path = new URL(req.url ?? '/', 'https://link.invalid').pathname;
      if (!path.startsWith('/link/')) return false;
      take(req, socket, head, path);
      return true;
    },
    close() {
      closed = true;
      control.close();
      data.close();
    },
  };
}
