/**
 * One SSH session on the simulated target: pty and window size, an interactive shell with line
 * editing (line-editor.ts) or one exec command, both run by the HMI interpreter (hmi-shell.ts),
 * and `chpasswd` over exec for rotators. Env, X11, agent and subsystem requests are refused.
 *
 * Guarantees: every channel request is answered at once (ssh2 cannot accept after the client's
 * EOF); `exit-status` is sent before the channel ends (ssh2 drops it after `end()`); output uses
 * "\r\n" on a pty. Not guaranteed: signals (refused), job control, a second command per exec.
 */
import { StringDecoder } from 'node:string_decoder';
import type { ServerChannel, Session } from 'ssh2';
import type { Logger } from '../../../shared/src/log.js';
import { isChpasswdCommand, parseChpasswdInput } from './chpasswd.js';
import {
  createShellSession,
  promptFor,
  runCommandLine,
  splitWords,
  type HmiHost,
  type ShellSession,
} from './hmi-shell.js';
import { LineEditor } from './line-editor.js';

/** Wires one accepted session channel; `passwords` is the target's live table (chpasswd writes it). */
export function handleSession(
  session: Session,
  user: string,
  canRotate: boolean,
  hmi: HmiHost,
  passwords: Map<string, string>,
  log: Logger,
): void {
  const shell = createShellSession(user);
  session.on('error', (e: Error) => log.debug('ssh session error', { err: e }));
  session.on('pty', (accept, _reject, info) => {
    shell.hasPty = true;
    shell.cols = info.cols;
    shell.rows = info.rows;
    accept?.();
  });
  session.on('window-change', (accept, _reject, info) => {
    shell.cols = info.cols;
    shell.rows = info.rows;
    accept?.();
  });
  for (const refused of ['env', 'x11', 'auth-agent', 'subsystem', 'sftp', 'signal'] as const) {
    session.on(refused, (_accept: unknown, reject: (() => void) | undefined) => reject?.());
  }
  session.on('shell', (accept) => runShell(accept(), hmi, shell, log));
  session.on('exec', (accept, _reject, info) =>
    runExec(accept(), info.command, hmi, shell, canRotate, passwords, log),
  );
}

/** Writes output the way a terminal expects it: "\r\n" on a pty, "\n" otherwise. */
function terminalText(text: string, shell: ShellSession): string {
  return shell.hasPty ? text.replace(/\r?\n/g, '\r\n') : text;
}

function finish(channel: ServerChannel, exitCode: number): void {
  // exit-status first: ssh2 drops it silently once the channel has ended.
  channel.exit(exitCode);
  channel.end();
}

function runShell(channel: ServerChannel, hmi: HmiHost, shell: ShellSession, log: Logger): void {
  let isDone = false;
  const decoder = new StringDecoder('utf8');
  const editor = new LineEditor();
  const write = (text: string): void => {
    if (!isDone && text !== '') channel.write(terminalText(text, shell));
  };
  const writeError = (text: string): void => {
    // On a pty stdout and stderr share the terminal, as they would on a real box.
    if (isDone || text === '') return;
    if (shell.hasPty) channel.write(terminalText(text, shell));
    else channel.stderr.write(text);
  };
  const prompt = (): void => {
    if (shell.hasPty) write(promptFor(hmi, shell));
  };
  const end = (code: number): void => {
    if (isDone) return;
    isDone = true;
    finish(channel, code);
  };
  channel.on('error', (e: Error) => log.debug('ssh shell channel error', { err: e }));
  channel.stderr.on('error', (e: Error) => log.debug('ssh shell stderr error', { err: e }));
  // Like sshd, the greeting (motd) goes to interactive logins with a terminal only.
  if (shell.hasPty)
    write(
      `Welcome to ${hmi.hostname.toUpperCase()} (plant HMI, Airlock simulator). Type 'help' for commands.\n`,
    );
  prompt();
  const runLine = (line: string): void => {
    const outcome = runCommandLine(line, hmi, shell);
    write(outcome.stdout);
    writeError(outcome.stderr);
    if (outcome.isExit) {
      if (shell.hasPty) write('logout\n');
      end(outcome.exitCode);
    } else prompt();
  };
  let pending = '';
  channel.on('data', (data: Buffer) => {
    const text = decoder.write(data);
    if (!shell.hasPty) {
      // Without a pty there is no line discipline: no echo, no prompt, one command per line.
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      if (pending.length > 4096) pending = '';
      for (const line of lines) if (!isDone) runLine(line.replace(/\r$/, ''));
      return;
    }
    for (const event of editor.feed(text)) {
      if (isDone) return;
      switch (event.kind) {
        case 'echo':
          write(event.text);
          break;
        case 'line':
          write('\n');
          runLine(event.text);
          break;
        case 'interrupt':
          write('^C\n');
          prompt();
          break;
        case 'eof':
          write('logout\n');
          end(0);
          break;
        default: {
          const never: never = event;
          throw new Error(`unknown editor event ${String(never)}`);
        }
      }
    }
  });
  // The client closed its input (ssh with stdin at EOF): like bash, run a last unterminated line, then end.
  channel.on('end', () => {
    if (!shell.hasPty && pending !== '' && !isDone) runLine(pending.replace(/\r$/, ''));
    end(0);
  });
}

function runExec(
  channel: ServerChannel,
  command: string,
  hmi: HmiHost,
  shell: ShellSession,
  canRotate: boolean,
  passwords: Map<string, string>,
  log: Logger,
): void {
  channel.on('error', (e: Error) => log.debug('ssh exec channel error', { err: e }));
  channel.stderr.on('error', (e: Error) => log.debug('ssh exec stderr error', { err: e }));
  if (isChpasswdCommand(splitWords(command))) {
    runChpasswd(channel, shell.user, canRotate, passwords, log);
    return;
  }
  const outcome = runCommandLine(command, hmi, shell);
  if (outcome.stdout !== '') channel.write(terminalText(outcome.stdout, shell));
  if (outcome.stderr !== '') channel.stderr.write(terminalText(outcome.stderr, shell));
  finish(channel, outcome.exitCode);
}

const MAX_CHPASSWD_INPUT = 64 * 1024;

function runChpasswd(
  channel: ServerChannel,
  user: string,
  canRotate: boolean,
  passwords: Map<string, string>,
  log: Logger,
): void {
  if (!canRotate) {
    log.info('chpasswd refused', { user });
    channel.stderr.write(`chpasswd: Permission denied: ${user} may not change passwords.\n`);
    finish(channel, 1);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let isDone = false;
  channel.on('data', (data: Buffer) => {
    if (isDone) return;
    size += data.length;
    if (size > MAX_CHPASSWD_INPUT) {
      isDone = true;
      channel.stderr.write('chpasswd: input too long\n');
      finish(channel, 1);
      return;
    }
    chunks.push(data);
  });
  channel.on('end', () => {
    if (isDone) return;
    isDone = true;
    const parsed = parseChpasswdInput(Buffer.concat(chunks).toString('utf8'), (u) =>
      passwords.has(u),
    );
    if (!parsed.ok) {
      channel.stderr.write(`${parsed.error.join('\n')}\n`);
      finish(channel, 1);
      return;
    }
    for (const change of parsed.value) passwords.set(change.user, change.password);
    log.info('chpasswd changed passwords', { by: user, users: parsed.value.map((c) => c.user) });
    finish(channel, 0);
  });
}
