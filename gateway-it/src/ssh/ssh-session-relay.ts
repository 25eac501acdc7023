/**
 * Relays one SSH session channel of the operator to one OT session, per the contract in
 * shared/src/model/ssh-channel.ts: `ssh.pty` (if any) and `ssh.start` go first; the OT answers
 * `ssh.started` or `ssh.refused`; then stdin/stdout flow as the session's byte stream with
 * back-pressure both ways, window changes and signals go down as messages, stderr and the exit
 * status or signal come up as messages. Nothing runs here: no shell, no subsystem of our own.
 *
 * Ordering: control messages are dispatched as they arrive while stdout bytes may still sit in the
 * stream's buffer, so the exit status is sent to the client only after the OT stream ended (every
 * byte before it was delivered), then the channel is closed; OpenSSH drops an exit status sent
 * after the channel's end. If the session ends without an exit status (refused, revoked, expired,
 * the site went away) the operator reads the reason on stderr and gets exit status 255.
 * Every output chunk passes through `LiveSession.publishOutput` for live supervision.
 */
import type { PseudoTtyInfo, ServerChannel, WindowChangeInfo } from 'ssh2';
import type { Logger } from '../../../shared/src/log.js';
import {
  parseOtToItSsh,
  SSH_SIGNALS,
  type ItToOtSshMessage,
  type OtToItSshMessage,
} from '../../../shared/src/model/ssh-channel.js';
import type { LiveSession } from '../sessions/sessions.js';

/** Exit status when Airlock itself ended or refused the session (as OpenSSH uses for its own errors). */
export const REFUSED_EXIT_STATUS = 255;

export type SshStart = Extract<ItToOtSshMessage, { type: 'ssh.start' }>;
type ExitMessage = Extract<OtToItSshMessage, { type: 'ssh.exit' }>;

export function ptyMessage(pty: PseudoTtyInfo): ItToOtSshMessage {
  const modes: Record<string, number> = {};
  for (const [k, v] of Object.entries(pty.modes ?? {}))
    if (typeof v === 'number' && k.length <= 32) modes[k] = v;
  return {
    type: 'ssh.pty',
    term: pty.term || 'xterm',
    cols: pty.cols,
    rows: pty.rows,
    width: pty.width,
    height: pty.height,
    modes,
  };
}

export function windowMessage(w: WindowChangeInfo): ItToOtSshMessage {
  return { type: 'ssh.window', cols: w.cols, rows: w.rows, width: w.width, height: w.height };
}

/** Writes a one-line notice from Airlock to the operator's stderr. */
export function notify(channel: ServerChannel, text: string): void {
  channel.stderr.write(`airlock: ${text}\r\n`);
}

export class SshSessionRelay {
  private started = false;
  private otEnded = false;
  private exit: ExitMessage | undefined;
  private finished = false;
  private toldWhy = false;

  constructor(
    private readonly channel: ServerChannel,
    private readonly session: LiveSession,
    private readonly log: Logger,
  ) {}

  /** Sends the opening messages and starts relaying once the OT side started the target channel. */
  start(pty: PseudoTtyInfo | undefined, start: SshStart): void {
    const { channel, session } = this;
    const ot = session.stream;
    channel.pause();
    ot.onControl((raw) => this.control(raw));
    ot.onClose(() => this.maybeFinish());
    channel.on('close', () => session.end('the operator closed the channel'));
    channel.on('error', (e: Error) =>
      this.log.debug('SSH channel error', { sessionId: session.id, err: e }),
    );
    ot.stream.on('error', (e) =>
      this.log.debug('session stream error', { sessionId: session.id, err: e }),
    );
    if (pty !== undefined) ot.sendControl(ptyMessage(pty));
    ot.sendControl(start);
  }

  window(w: WindowChangeInfo): void {
    if (!this.session.isEnded) this.session.stream.sendControl(windowMessage(w));
  }

  signal(name: string): void {
    const bare = name.toUpperCase().replace(/^SIG/, '');
    const known = SSH_SIGNALS.find((s) => s === bare);
    if (known !== undefined && !this.session.isEnded)
      this.session.stream.sendControl({ type: 'ssh.signal', name: known });
  }

  private control(raw: Readonly<Record<string, unknown>>): void {
    const parsed = parseOtToItSsh(raw);
    if (!parsed.ok) {
      this.log.warn('invalid SSH control message from the site', {
        sessionId: this.session.id,
        problems: parsed.error,
      });
      this.session.end('invalid SSH control message from the site');
      return;
    }
    const m = parsed.value;
    switch (m.type) {
      case 'ssh.started':
        if (!this.started) this.pipe();
        return;
      case 'ssh.refused':
        notify(this.channel, `the site refused the session: ${m.message}`);
        this.toldWhy = true;
        this.session.end(`refused by the site: ${m.code}`);
        return;
      case 'ssh.stderr': {
        const bytes = Buffer.from(m.data, 'base64');
        this.session.publishOutput(bytes);
        this.channel.stderr.write(bytes);
        return;
      }
      case 'ssh.eof':
        // The byte stream's own end (ordered with the data) is what closes stdout.
        return;
      case 'ssh.exit':
        this.exit ??= m;
        this.maybeFinish();
        return;
      default: {
        const never: never = m;
        throw new Error(`unhandled SSH message ${(never as { type: string }).type}`);
      }
    }
  }

  private pipe(): void {
    this.started = true;
    const { channel, session } = this;
    const ot = session.stream.stream;
    ot.on('data', (chunk: Buffer) => {
      session.publishOutput(chunk);
      if (!channel.write(chunk)) {
        ot.pause();
        channel.once('drain', () => ot.resume());
      }
    });
    ot.on('end', () => {
      this.otEnded = true;
      this.maybeFinish();
    });
    // Operator -> OT: stream back-pressure pauses the SSH channel, whose window then stops the client.
    channel.pipe(ot);
    channel.resume();
  }

  private maybeFinish(): void {
    if (this.finished) return;
    const { channel, session } = this;
    const closed = session.isEnded;
    // Wait for every stdout byte before the exit status, unless the session is gone.
    if (!(this.exit !== undefined && this.otEnded) && !closed) return;
    if (closed && this.started && !this.otEnded) return; // 'end' follows the buffered bytes
    this.finished = true;
    const exit = this.exit;
    if (exit === undefined) {
      if (!this.toldWhy) notify(channel, `session ended: ${session.endReason ?? 'closed'}`);
      channel.exit(REFUSED_EXIT_STATUS);
    } else if (exit.status !== undefined) {
      channel.exit(exit.status);
    } else if (exit.signal !== undefined) {
      channel.exit(exit.signal, exit.coreDumped ?? false, exit.message ?? '');
    }
    channel.end();
    session.end('the session finished');
  }
}
