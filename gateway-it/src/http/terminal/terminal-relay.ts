/**
 * Relays one browser terminal (a WebSocket speaking terminal-protocol.ts) to one live SSH session
 * (the SessionStream speaking shared/src/model/ssh-channel.ts), and one supervisor's read-only
 * view to the output tap of a live session.
 *
 * Operator: after the session opened, asks the OT broker for a pty of the browser's size and a
 * shell; keys go to the session, output (stdout and stderr) goes to the browser and to the live
 * session's output tap (so supervisors see what the operator sees). Back-pressure both ways: a
 * browser that does not read pauses the session stream; a session that does not take keys pauses
 * the browser socket. Whichever side ends, the other is closed, once, with the reason.
 * Supervisor: sees output from the moment it starts watching (the recording has the rest); its
 * keys are refused; a supervisor too slow to take output is disconnected, never the operator held.
 *
 * An invalid message from the site ends the session (the contract says so); an invalid message
 * from the browser closes the browser socket, which ends the session.
 */
import type { WebSocket } from 'ws';
import type { Logger } from '../../../../shared/src/log.js';
import { formatProblems } from '../../../../shared/src/result.js';
import type {
  SessionControlMessage,
  SessionStream,
} from '../../../../shared/src/link/session-channel.js';
import { parseOtToItSsh, type ItToOtSshMessage } from '../../../../shared/src/model/ssh-channel.js';
import type { ServerMessage } from './terminal-protocol.js';
import { parseBrowserMessage } from './terminal-protocol.js';

/** What the relay needs of a live session (gateway-it/src/sessions/live-session.ts). */
export interface RelayedSession {
  readonly info: {
    readonly id: string;
    readonly site: string;
    readonly asset: string;
    readonly userName: string;
    readonly profile: string;
    readonly notAfter: number;
  };
  readonly stream: SessionStream;
  publishOutput(chunk: Buffer): void;
  watchOutput(listener: (chunk: Buffer) => void): () => void;
  onEnd(listener: (reason: string) => void): void;
  end(reason: string): void;
  readonly isEnded: boolean;
}

/** Close codes on the browser socket (4000-4999 are the application's). */
export const CLOSE_NORMAL = 1000;
export const CLOSE_POLICY = 1008;
export const CLOSE_REFUSED = 4003;
export const CLOSE_TOO_SLOW = 4008;

/** Above this many queued bytes to the browser the session stream is paused; below LOW it resumes. */
const BROWSER_HIGH_WATER = 1024 * 1024;
const BROWSER_LOW_WATER = 256 * 1024;
/** A supervisor's view this far behind is dropped (the operator is never held for a watcher). */
const WATCHER_MAX_BEHIND = 4 * 1024 * 1024;

export function sendMessage(ws: WebSocket, m: ServerMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m), { binary: false });
}

/** Tells the browser why and closes its socket; harmless when it is already closing. */
export function closeBrowser(ws: WebSocket, code: number, m: ServerMessage): void {
  sendMessage(ws, m);
  if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, m.type);
}

function sendSsh(stream: SessionStream, m: ItToOtSshMessage): void {
  if (!stream.isClosed) stream.sendControl(m as SessionControlMessage);
}

export interface OperatorRelayOptions {
  readonly cols: number;
  readonly rows: number;
  readonly log: Logger;
}

/** Runs the operator's terminal until either side ends; the browser socket is already past `start`. */
export function relayOperatorTerminal(
  ws: WebSocket,
  session: RelayedSession,
  o: OperatorRelayOptions,
): void {
  const { stream } = session.stream;
  const { info } = session;
  let ended = false;
  const finish = (reason: string): void => {
    if (ended) return;
    ended = true;
    closeBrowser(ws, CLOSE_NORMAL, { type: 'ended', reason });
    session.end(reason);
  };
  session.onEnd((reason) => finish(reason));

  const toBrowser = (chunk: Buffer): void => {
    if (ws.readyState !== ws.OPEN) return;
    session.publishOutput(chunk);
    ws.send(chunk, { binary: true }, () => {
      if (stream.isPaused() && ws.bufferedAmount < BROWSER_LOW_WATER) stream.resume();
    });
    if (ws.bufferedAmount > BROWSER_HIGH_WATER) stream.pause();
  };
  stream.on('data', toBrowser);
  stream.on('error', (e) => finish(`session stream failed: ${e.message}`));

  session.stream.onControl((raw) => {
    const m = parseOtToItSsh(raw);
    if (!m.ok) {
      o.log.warn('invalid SSH channel message from the site', {
        sessionId: info.id,
        problems: formatProblems(m.error),
      });
      finish(`the site sent an invalid message: ${formatProblems(m.error)}`);
      return;
    }
    const v = m.value;
    switch (v.type) {
      case 'ssh.started':
        break;
      case 'ssh.refused':
        ended = true;
        closeBrowser(ws, CLOSE_REFUSED, { type: 'refused', code: v.code, message: v.message });
        session.end(`refused by the site: ${v.message}`);
        break;
      case 'ssh.stderr':
        toBrowser(Buffer.from(v.data, 'base64'));
        break;
      case 'ssh.eof':
        break;
      case 'ssh.exit':
        sendMessage(ws, { type: 'exit', status: v.status ?? null, signal: v.signal ?? null });
        break;
      default: {
        const never: never = v;
        throw new Error(`unhandled SSH message ${String(never)}`);
      }
    }
  });

  let keysPaused = false;
  ws.on('message', (data, isBinary) => {
    if (ended) return;
    if (isBinary) {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (!stream.write(buf) && !keysPaused) {
        keysPaused = true;
        ws.pause();
        stream.once('drain', () => {
          keysPaused = false;
          ws.resume();
        });
      }
      return;
    }
    const m = parseBrowserMessage(data.toString());
    if (!m.ok || m.value.type !== 'resize') {
      finish(
        `the browser sent an invalid message: ${m.ok ? `unexpected ${m.value.type}` : formatProblems(m.error)}`,
      );
      return;
    }
    sendSsh(session.stream, {
      type: 'ssh.window',
      cols: m.value.cols,
      rows: m.value.rows,
      width: 0,
      height: 0,
    });
  });
  ws.on('close', () => finish('the operator closed the web terminal'));

  sendMessage(ws, {
    type: 'started',
    sessionId: info.id,
    site: info.site,
    asset: info.asset,
    user: info.userName,
    profile: info.profile,
    notAfter: info.notAfter,
  });
  sendSsh(session.stream, {
    type: 'ssh.pty',
    term: 'xterm-256color',
    cols: o.cols,
    rows: o.rows,
    width: 0,
    height: 0,
  });
  sendSsh(session.stream, { type: 'ssh.start', kind: 'shell' });
}

export interface WatchRelayOptions {
  readonly supervisor: string;
  /** Runs once when the watcher leaves (for the audit record). */
  readonly onLeave: (reason: string) => void;
}

/** Feeds a supervisor's read-only terminal from the session's output tap until either side goes. */
export function relayWatcher(ws: WebSocket, session: RelayedSession, o: WatchRelayOptions): void {
  const { info } = session;
  let left = false;
  let unsubscribe: () => void = () => undefined;
  const leave = (reason: string, code: number, m: ServerMessage): void => {
    if (left) return;
    left = true;
    unsubscribe();
    closeBrowser(ws, code, m);
    o.onLeave(reason);
  };
  ws.on('message', () =>
    leave('a watcher sent input', CLOSE_POLICY, {
      type: 'notice',
      message: 'this view is read-only',
    }),
  );
  ws.on('close', () =>
    leave('the supervisor closed the view', CLOSE_NORMAL, { type: 'ended', reason: 'closed' }),
  );
  sendMessage(ws, {
    type: 'started',
    sessionId: info.id,
    site: info.site,
    asset: info.asset,
    user: info.userName,
    profile: info.profile,
    notAfter: info.notAfter,
  });
  unsubscribe = session.watchOutput((chunk) => {
    if (ws.bufferedAmount > WATCHER_MAX_BEHIND) {
      leave('the supervisor could not keep up', CLOSE_TOO_SLOW, {
        type: 'notice',
        message: 'this view fell too far behind; reload to watch again',
      });
      return;
    }
    ws.send(chunk, { binary: true });
  });
  session.onEnd((reason) =>
    leave(`session ended: ${reason}`, CLOSE_NORMAL, { type: 'ended', reason }),
  );
  // A supervised profile waits for this before the session reaches the target.
  sendSsh(session.stream, { type: 'ssh.supervisor_present', supervisor: o.supervisor });
}
