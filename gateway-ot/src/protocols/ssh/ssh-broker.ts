/**
 * The SSH broker: the OT end of one operator SSH session channel (shared/src/model/ssh-channel.ts).
 * It reads the IT side's control messages (optional pty, one start), applies the access profile
 * (ssh-start-checks.ts: exec-only allow-list, SFTP allowed or not; then supervised), dials the
 * target with the pinned host key and a vault credential (ssh-target-dial.ts), opens the real
 * channel and relays it (ssh-relay.ts, with recording and the filter: ssh-relay-hooks.ts): bytes
 * both ways with back-pressure, stderr, window changes, signals, eof, exit status or signal.
 * It warns in the terminal 5 and 1 minutes before the grant ends and ends the session then, by the
 * session's Clock; `session.signal` ends it from outside. The credential is checked in at the end,
 * whatever the end. Refusals are mapped to `ssh.refused` in one place (`refusalOf`).
 *
 * Not guaranteed: the order between bytes on the stream and control messages is the link's; this
 * broker writes the stream before it sends the control message that follows it.
 */
import type { Client } from 'ssh2';
import type { TimerHandle } from '../../../../shared/src/clock.js';
import { AirlockError } from '../../../../shared/src/errors.js';
import {
  parseItToOtSsh,
  type ItToOtSshMessage,
  type OtToItSshMessage,
} from '../../../../shared/src/model/ssh-channel.js';
import { formatProblems } from '../../../../shared/src/result.js';
import {
  scheduleDeadline,
  type BrokerSession,
  type ControlMessage,
  type OperatorChannel,
  type ProtocolBroker,
  type RequestReview,
  type SessionEnd,
} from '../../sessions/sessions.js';
import type { CredentialLease, CredentialSource } from '../../vault/vault.js';
import type { RecordingMeta, Recordings, SessionRecorder } from '../../recording/recording.js';
import { relayHooks } from './ssh-relay-hooks.js';
import { dialTarget } from './ssh-target-dial.js';
import {
  askReview,
  checkExecLine,
  checkProfile,
  type PtyMessage,
  type StartCheckContext,
  type StartMessage,
} from './ssh-start-checks.js';
import { isSshAsset, type SshAssetPolicy } from './ssh-policy.js';
import { openTargetChannel, relayChannel, type TargetChannel } from './ssh-relay.js';
import { omitUndefined } from '../../../../shared/src/omit-undefined.js';

/** How long a target's last output may take to drain after its connection closed. */
const TARGET_DRAIN_MS = 30_000;

export interface SshBrokerDeps {
  readonly credentials: CredentialSource;
  /** Every shell and exec session is recorded; a session that cannot be recorded is refused. */
  readonly recordings: Recordings;
  /** How long the IT side has to send `ssh.start` (session clock). Default 30 s. */
  readonly startTimeoutMs?: number;
  /**
   * Asks an OT owner to approve a held line (`line` null when it must not be shown); the broker
   * denies it itself after `timeoutMs` (OT clock), whatever this does. Without it, every line held
   * for review is denied.
   */
  readonly requestReview?: RequestReview;
  /** SSH handshake timeout towards the target (real time). Default 15 s. */
  readonly targetReadyTimeoutMs?: number;
}

export function createSshBroker(deps: SshBrokerDeps): ProtocolBroker {
  return {
    protocol: 'ssh',
    handle: (session, channel) => new SshBrokerSession(session, channel, deps).run(),
  };
}

/** Maps anything that stops a session before it started to what the operator is told. */
function refusalOf(e: unknown): { code: string; message: string } {
  if (e instanceof AirlockError) return { code: e.code, message: e.message };
  return {
    code: 'ssh.internal',
    message: 'the OT gateway could not open this session (internal error; see the OT gateway log)',
  };
}

class SshBrokerSession {
  private ended = false;
  private endWith: (reason: string) => void = () => undefined;
  private readonly timers: TimerHandle[] = [];
  private startTimer: TimerHandle | undefined;
  private pty: PtyMessage | undefined;
  private start: StartMessage | undefined;
  private startWaiter: (() => void) | undefined;
  private supervisor: string | undefined;
  private supervisorWaiter: (() => void) | undefined;
  private client: Client | undefined;
  private target: TargetChannel | undefined;
  private lease: CredentialLease | undefined;
  private recorder: SessionRecorder | undefined;
  /** Messages that arrived while the target channel was being opened, applied in order once it is. */
  private readonly pending: ItToOtSshMessage[] = [];
  private startedSent = false;

  constructor(
    private readonly session: BrokerSession,
    private readonly channel: OperatorChannel,
    private readonly deps: SshBrokerDeps,
  ) {}

  async run(): Promise<SessionEnd> {
    const done = new Promise<string>((resolve) => (this.endWith = resolve));
    const { session, channel } = this;
    channel.onControl((m) => this.onControl(m));
    channel.stream.on('error', (e) => {
      session.log.warn('operator stream error', { error: e.message });
      this.finish('operator_error');
    });
    channel.stream.on('close', () => this.finish('operator_closed'));
    const onAbort = (): void =>
      this.finish(typeof session.signal.reason === 'string' ? session.signal.reason : 'aborted');
    if (session.signal.aborted) onAbort();
    else session.signal.addEventListener('abort', onAbort, { once: true });
    this.timers.push(
      scheduleDeadline(session.clock, session.ticket.grantNotAfter, {
        warn: (m) => this.warn(m),
        end: () => {
          this.notice('The grant for this session has ended; the session is closed.');
          this.finish('grant_end');
        },
      }),
    );
    this.startTimer = session.clock.setTimeout(
      () => this.finish('ssh.no_start'),
      this.deps.startTimeoutMs ?? 30_000,
    );
    this.proceed().catch((e: unknown) => this.refuse(e));
    const reason = await done;
    session.signal.removeEventListener('abort', onAbort);
    this.cleanup();
    return { reason };
  }

  private async proceed(): Promise<void> {
    const { session } = this;
    const asset = session.asset;
    if (!isSshAsset(asset) || session.ticket.channel !== 'ssh-session') {
      throw new AirlockError(
        'bad_request',
        'ssh.wrong_channel',
        `asset ${session.assetName} is not reached by an SSH session channel`,
      );
    }
    const profile = asset.profiles[session.profileName];
    if (profile === undefined)
      throw new AirlockError(
        'access_denied',
        'ssh.no_profile',
        `profile ${session.profileName} does not exist for ${session.assetName}`,
      );
    await new Promise<void>((resolve) => {
      if (this.start !== undefined) resolve();
      else this.startWaiter = resolve;
    });
    const start = this.start;
    if (this.ended || start === undefined) return;
    const checks: StartCheckContext = {
      session: this.session,
      pty: this.pty,
      notice: (text) => this.notice(text),
      review: (line, why, timeoutMs) =>
        askReview(this.session, this.deps.requestReview, line, why, timeoutMs),
    };
    const command = checkProfile(checks, profile, start);
    if (start.kind === 'exec' && profile.mode === 'interactive')
      await checkExecLine(checks, profile, start.command);
    if (this.ended) return;
    if (profile.supervised && this.supervisor === undefined) {
      this.notice('This session starts when a supervisor is watching. Waiting...');
      await new Promise<void>((resolve) => (this.supervisorWaiter = resolve));
      if (this.ended) return;
    }
    await this.open(asset, start, command);
  }

  private async open(
    asset: SshAssetPolicy,
    start: StartMessage,
    command: string | undefined,
  ): Promise<void> {
    const { session } = this;
    const connection = await dialTarget(session, asset, this.deps, {
      onLease: (lease) => (this.lease = lease),
      isEnded: () => this.ended,
    });
    this.client = connection.client;
    connection.client.on('error', (e) => {
      session.log.warn('target connection error', { error: e.message });
      this.finish('target_error');
    });
    connection.client.on('close', () => {
      // ssh2 emits a channel's 'close' (the one that carries the exit status) only once its output has
      // been read to the end, which under the operator's back-pressure can come after the connection's
      // own 'close'. With a relay running, the channel decides how the session ended, within a bound.
      if (this.target === undefined) return this.finish('target_closed');
      this.timers.push(
        session.clock.setTimeout(() => this.finish('target_closed'), TARGET_DRAIN_MS),
      );
    });
    if (this.ended) return;
    this.lease?.confirm(connection.accepted);
    const target = await openTargetChannel(connection.client, start, command, this.pty);
    this.target = target;
    if (this.ended) return;
    if (target.kind !== 'sftp') {
      const t = session.ticket;
      const meta: RecordingMeta = {
        sessionId: t.sessionId,
        asset: session.assetName,
        user: t.user.name,
        cols: this.pty?.cols || 80,
        rows: this.pty?.rows || 24,
        ...omitUndefined({ term: this.pty?.term }),
        title: `${t.user.name}@${session.assetName} (${session.profileName}) ${start.kind === 'exec' ? `exec: ${(command ?? start.command).slice(0, 200)}` : 'shell'}`,
      };
      // An exec without a terminal is a byte stream: its text is kept up to a limit, then counted and hashed.
      this.recorder =
        start.kind === 'exec' && this.pty === undefined
          ? this.deps.recordings.startStream(meta)
          : this.deps.recordings.start(meta);
    }
    if (start.kind === 'exec') {
      session.audit({
        action: 'ssh.command',
        target: session.assetName,
        outcome: 'success',
        details: { kind: 'exec', command: command ?? start.command },
      });
    }
    this.sendControl({ type: 'ssh.started' });
    this.startedSent = true;
    const hooks = relayHooks({
      session,
      profile: asset.profiles[session.profileName],
      start,
      recorder: this.recorder,
      requestReview: this.deps.requestReview,
      sendControl: (m) => this.sendControl(m),
      finish: (reason) => this.finish(reason),
      notice: (text) => this.notice(text),
      show: (text) => this.show(text),
    });
    relayChannel(target, this.channel.stream, hooks);
    for (const m of this.pending.splice(0)) this.apply(m);
  }

  private onControl(raw: ControlMessage): void {
    if (this.ended) return;
    const parsed = parseItToOtSsh(raw);
    if (!parsed.ok) {
      this.session.log.warn('invalid SSH control message', {
        problems: formatProblems(parsed.error),
      });
      this.finish('ssh.bad_control');
      return;
    }
    const m = parsed.value;
    switch (m.type) {
      case 'ssh.pty':
        if (this.start !== undefined || this.pty !== undefined)
          return this.finish('ssh.bad_control');
        this.pty = m;
        return;
      case 'ssh.start':
        if (this.start !== undefined) return this.finish('ssh.bad_control');
        this.start = m;
        this.startTimer?.cancel();
        this.startWaiter?.();
        return;
      case 'ssh.supervisor_present':
        this.supervisor ??= m.supervisor;
        this.supervisorWaiter?.();
        return;
      case 'ssh.window':
      case 'ssh.signal':
      case 'ssh.eof':
        if (this.start === undefined) return this.finish('ssh.bad_control');
        if (this.target === undefined || !this.startedSent) this.pending.push(m);
        else this.apply(m);
        return;
      default: {
        const never: never = m;
        return never;
      }
    }
  }

  private apply(m: ItToOtSshMessage): void {
    const t = this.target;
    if (t === undefined) return;
    switch (m.type) {
      case 'ssh.window':
        t.channel.setWindow(m.rows, m.cols, m.height, m.width);
        this.recorder?.resize(m.cols, m.rows);
        return;
      case 'ssh.signal':
        t.channel.signal(m.name);
        return;
      case 'ssh.eof':
        t.channel.end();
        return;
      default:
        return;
    }
  }

  private warn(minutesLeft: number): void {
    // Relative, not a UTC clock time: people read site time, and the OT side is not told the
    // site's zone (the portal and the IT side's messages show the end in it).
    this.notice(
      `This session ends in ${minutesLeft} minute${minutesLeft === 1 ? '' : 's'} (when the grant ends).`,
    );
    this.session.audit({
      action: 'session.warn',
      target: this.session.assetName,
      outcome: 'success',
      details: { minutesLeft, grantNotAfter: this.session.ticket.grantNotAfter },
    });
  }

  /** A gateway notice: into the terminal when there is one (so it is recorded), else as stderr. */
  private notice(text: string): void {
    if (this.startedSent && this.pty !== undefined && this.start?.kind !== 'subsystem') {
      this.show(`\r\n[airlock] ${text}\r\n`);
    } else if (this.start?.kind !== 'subsystem' || !this.startedSent) {
      this.recorder?.output(`[airlock] ${text}\r\n`);
      this.sendControl({
        type: 'ssh.stderr',
        data: Buffer.from(`[airlock] ${text}\n`).toString('base64'),
      });
    }
  }

  /** Terminal output of the gateway's own, to the operator and into the recording, in order. */
  private show(text: string): void {
    const stream = this.channel.stream;
    this.recorder?.output(text);
    if (!stream.writableEnded && !stream.destroyed) stream.write(text);
  }

  private refuse(e: unknown): void {
    if (this.ended) return;
    const r = refusalOf(e);
    if (!(e instanceof AirlockError))
      this.session.log.error('SSH session setup failed', {
        error: e instanceof Error ? e.message : String(e),
      });
    if (this.startedSent) {
      this.finish(r.code);
      return;
    }
    this.sendControl({ type: 'ssh.refused', code: r.code, message: r.message });
    this.finish(r.code);
  }

  private sendControl(m: OtToItSshMessage): void {
    try {
      this.channel.sendControl(m);
    } catch (e) {
      this.session.log.warn('could not send SSH control message', {
        type: m.type,
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }

  private finish(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.startWaiter?.();
    this.supervisorWaiter?.();
    this.endWith(reason);
  }

  private cleanup(): void {
    for (const t of this.timers) t.cancel();
    this.startTimer?.cancel();
    this.target?.channel.close();
    this.client?.end();
    try {
      this.lease?.checkIn();
    } catch (e) {
      this.session.log.error('credential check-in failed', {
        error: e instanceof Error ? e.message : String(e),
      });
    }
    try {
      this.recorder?.close();
    } catch (e) {
      this.session.log.error('recording close failed', {
        error: e instanceof Error ? e.message : String(e),
      });
    }
    const stream = this.channel.stream;
    if (!stream.writableEnded && !stream.destroyed) stream.end();
  }
}
