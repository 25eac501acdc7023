/**
 * Opens the real session channel on the target (shell, exec or the SFTP subsystem, with the
 * operator's pty when there is one) and relays it to the operator's stream: bytes both ways with
 * back-pressure (a slow side pauses the other), stderr and eof as control messages, and the exit
 * status or signal sent once, before the stream is ended, when the target closes the channel.
 * Hooks see every byte each way (recording, filtering, SFTP parsing); an input hook decides what
 * reaches the target.
 */
import type { Duplex } from 'node:stream';
import type { Client, ClientChannel, PseudoTtyOptions } from 'ssh2';
import { AirlockError } from '../../../../shared/src/errors.js';
import type { Logger } from '../../../../shared/src/log.js';
import {
  SSH_SIGNALS,
  type ItToOtSshMessage,
  type OtToItSshMessage,
} from '../../../../shared/src/model/ssh-channel.js';
import { omitUndefined } from '../../../../shared/src/omit-undefined.js';

export interface TargetChannel {
  readonly kind: 'shell' | 'exec' | 'sftp';
  readonly channel: ClientChannel;
}

export interface RelayHooks {
  sendControl(m: OtToItSshMessage): void;
  finish(reason: string): void;
  readonly log: Logger;
  /** Operator bytes on their way to the target; the hook forwards what may pass (possibly later, possibly nothing). */
  onInput?: (data: Buffer, forward: (d: Buffer) => void) => void;
  /** Target stdout bytes on their way to the operator. */
  onOutput?: (data: Buffer) => void;
  /** Target stderr bytes. */
  onStderr?: (data: Buffer) => void;
}

type StartMessage = Extract<ItToOtSshMessage, { type: 'ssh.start' }>;
type PtyMessage = Extract<ItToOtSshMessage, { type: 'ssh.pty' }>;

/** The largest stderr chunk one `ssh.stderr` message carries (its base64 limit is 87,384 characters). */
const STDERR_CHUNK = 65_535;

export function openTargetChannel(
  client: Client,
  start: StartMessage,
  command: string | undefined,
  pty: PtyMessage | undefined,
): Promise<TargetChannel> {
  const ptyOptions: PseudoTtyOptions | undefined =
    pty === undefined
      ? undefined
      : {
          term: pty.term,
          cols: pty.cols,
          rows: pty.rows,
          width: pty.width,
          height: pty.height,
          ...(pty.modes === undefined
            ? {}
            : { modes: pty.modes as NonNullable<PseudoTtyOptions['modes']> }),
        };
  return new Promise((resolve, reject) => {
    const done =
      (kind: TargetChannel['kind']) => (e: Error | undefined, channel: ClientChannel) => {
        if (e !== undefined)
          reject(
            new AirlockError(
              'unavailable',
              'ssh.channel_refused',
              `the target refused the ${kind === 'sftp' ? 'SFTP subsystem' : kind} request: ${e.message}`,
              { cause: e },
            ),
          );
        else resolve({ kind, channel });
      };
    switch (start.kind) {
      case 'shell':
        // The operator's locale (LANG, LC_*: validated on receipt); the target's AcceptEnv decides.
        client.shell(ptyOptions ?? false, omitUndefined({ env: start.env }), done('shell'));
        return;
      case 'exec':
        client.exec(
          command ?? start.command,
          omitUndefined({ pty: ptyOptions, env: start.env }),
          done('exec'),
        );
        return;
      case 'subsystem':
        client.subsys(start.name, done('sftp'));
        return;
      default: {
        const never: never = start;
        reject(new AirlockError('bad_request', 'ssh.bad_start', `unknown start ${String(never)}`));
      }
    }
  });
}

const KNOWN_SIGNALS = new Set<string>(SSH_SIGNALS);

export function exitMessage(
  code: number | null | undefined,
  signal: string | undefined,
  coreDumped: boolean | undefined,
  description: string | undefined,
): OtToItSshMessage {
  if (signal !== undefined && signal !== null) {
    const name = signal.replace(/^SIG/, '');
    if (KNOWN_SIGNALS.has(name)) {
      return {
        type: 'ssh.exit',
        signal: name as (typeof SSH_SIGNALS)[number],
        coreDumped: coreDumped === true,
        ...(description ? { message: description.slice(0, 500) } : {}),
      };
    }
    // A signal RFC 4254 does not name: report it the way a shell would, as 128 + nothing known.
    return { type: 'ssh.exit', status: 255, message: `ended by signal ${name.slice(0, 32)}` };
  }
  return {
    type: 'ssh.exit',
    status: typeof code === 'number' && code >= 0 && code <= 255 ? code : 255,
  };
}

export function relayChannel(target: TargetChannel, stream: Duplex, hooks: RelayHooks): void {
  const ch = target.channel;
  let exit: OtToItSshMessage | undefined;

  const toOperator = (d: Buffer): void => {
    if (stream.writableEnded || stream.destroyed) return;
    // ssh2 emits one read from the target as many 32 KiB packets in one tick: corked until the
    // tick ends, they leave as one link frame (the stream's writev) instead of a frame, a TLS
    // write and a syscall each. A keystroke's echo is a single chunk: it waits for nothing.
    if (!stream.writableCorked) {
      stream.cork();
      process.nextTick(() => stream.uncork());
    }
    if (!stream.write(d)) {
      ch.pause();
      stream.once('drain', () => ch.resume());
    }
  };
  const toTarget = (d: Buffer): void => {
    if (!ch.writable) return;
    if (!ch.write(d)) {
      stream.pause();
      ch.once('drain', () => stream.resume());
    }
  };

  ch.on('data', (d: Buffer) => {
    hooks.onOutput?.(d);
    toOperator(d);
  });
  ch.stderr.on('data', (d: Buffer) => {
    hooks.onStderr?.(d);
    for (let i = 0; i < d.length; i += STDERR_CHUNK)
      hooks.sendControl({
        type: 'ssh.stderr',
        data: d.subarray(i, i + STDERR_CHUNK).toString('base64'),
      });
  });
  // ssh2 reports the target's EOF as the end of the channel's readable side.
  ch.on('end', () => hooks.sendControl({ type: 'ssh.eof' }));
  ch.on(
    'exit',
    (code: number | null, signal?: string, coreDumped?: boolean, description?: string) => {
      exit ??= exitMessage(code, signal, coreDumped, description);
    },
  );
  ch.on('error', (e: Error) => {
    hooks.log.warn('target channel error', { error: e.message });
    hooks.finish('target_error');
  });
  // ssh2 passes the exit status to 'close' as well; it is taken from there when 'exit' was emitted
  // before this relay was attached (a fast command's status can arrive in the same read as the
  // answer to the exec request, before the promise that hands us the channel resolves).
  ch.on(
    'close',
    (code?: number | null, signal?: string, coreDumped?: boolean, description?: string) => {
      if (
        exit === undefined &&
        (typeof code === 'number' || (code === null && signal !== undefined))
      )
        exit = exitMessage(code, signal, coreDumped, description);
      if (exit !== undefined) hooks.sendControl(exit);
      hooks.finish(exit === undefined ? 'target_closed' : 'exit');
    },
  );

  stream.on('data', (d: Buffer) => {
    if (hooks.onInput === undefined) toTarget(d);
    else hooks.onInput(d, toTarget);
  });
  stream.on('end', () => {
    if (ch.writable) ch.end();
  });
}
