/**
 * The interactive tier of the command filter, between the operator's keys and the target's pty.
 * Keys pass through at once (the target echoes them and does the real editing) except Enter: the
 * line it would submit is reconstructed (line-editor.ts) and decided (line-rules.ts) first.
 * Allowed lines get their Enter; `alert` lines too, with an alert event; `review` lines wait for an
 * OT owner (the injected `requestReview`, with a timeout that denies); denied lines get Ctrl-E
 * Ctrl-U instead of Enter (see CLEAR_LINE for why not Ctrl-C). The operator is told why in the
 * terminal, under the refused line, which is then drawn again for the target to clear, so the
 * screen (and the recording) ends on a clean prompt (screen-line.ts); the event is audited.
 *
 * The shell's reading state is carried across lines (shell-reader.ts): a line that leaves a quote,
 * a backslash continuation, a here-document, a substitution or a trailing `|`/`&&`/`||` open is
 * incomplete, because the shell will read the next line as part of the same command; so is every
 * line that continues one the shell holds. Such lines are uncertain (the reviewer sees the whole
 * command so far), and once the command completes its whole text is checked by the rules too.
 *
 * Editing keys are read as the profile's `lineDiscipline` says the target reads them (readline, or
 * the tty's canonical mode when `raw` or unknown, where Ctrl-A and friends are bytes of the line:
 * line-editor.ts); a reviewer sees control keys as `^X`, i.e. what the target will receive.
 *
 * Lines that cannot be known (Tab completion, history recall, several lines pasted at once, typing
 * into a full-screen program on the alternate screen, or at a password prompt where echo is off)
 * are decided by the profile: held for review or denied. At a password prompt the typed text is
 * never recorded, audited or shown to a reviewer.
 *
 * Best-effort against a determined user (see docs/ssh-command-filter.md); exec-only is the strict mode.
 */
import type { Clock } from '../../../../../shared/src/clock.js';
import { StringDecoder } from 'node:string_decoder';
import { LineEditor, visibleKeys, type EditorSegment, type LineDiscipline } from './line-editor.js';
import { decideLine, type LineAction, type LineRule } from './line-rules.js';
import { readShell } from './shell-reader.js';
import { ScreenLine } from './screen-line.js';
import type { ReviewVerdict } from '../../../sessions/sessions.js';

export type FilterAuditAction =
  'ssh.command' | 'ssh.command_deny' | 'ssh.command_review' | 'ssh.command_alert';

export interface InteractiveFilterOptions {
  readonly rules: readonly LineRule[];
  readonly defaultAction: LineAction;
  /** What happens to a line that cannot be known. */
  readonly uncertain: 'review' | 'deny';
  /**
   * The rules in force now (a policy reload), read once per line; absent: the three above for the
   * whole session.
   */
  readonly current?: () => Pick<InteractiveFilterOptions, 'rules' | 'defaultAction' | 'uncertain'>;
  readonly reviewTimeoutMs: number;
  /** How the target edits a line: `readline`, or `raw`/`unknown` (the tty's canonical mode). */
  readonly lineDiscipline: LineDiscipline;
  readonly clock: Clock;
  /** Asks an OT owner; `line` is null when it must not be shown (typed at a password prompt). */
  requestReview(line: string | null, why: string): Promise<ReviewVerdict>;
  audit(
    action: FilterAuditAction,
    outcome: 'success' | 'denied',
    details: Record<string, unknown>,
  ): void;
  /** A notice to the operator, written into the terminal output (and so recorded). */
  notify(text: string): void;
  /** Terminal output the target did not send (a refused line drawn again), written and recorded. */
  redraw(text: string): void;
  /** Operator input as it may be recorded (never what is typed at a password prompt). */
  recordInput(text: string): void;
}

const ALT_SCREEN_ON = /\x1b\[\?(1049|1047|47)h/;
const ALT_SCREEN_OFF = /\x1b\[\?(1049|1047|47)l/;
const SECRET_PROMPT = /(password|passphrase|passcode|pin)[^\n:]{0,40}:\s*$/i;
/**
 * What replaces the Enter of a refused line: Ctrl-E (end of line) then Ctrl-U (kill to the start).
 * Ctrl-U alone kills only what is left of the cursor in readline, so the rest of the line would
 * stay and join the next one; with Ctrl-E first the whole line goes. Without line editing (the tty
 * in canonical mode: sh, dash, `read`) Ctrl-U is the VKILL character and kills the whole line,
 * the ^E with it. Not Ctrl-C: it sends SIGINT to the foreground process group, so a line typed into
 * a running program (a `read` prompt, a REPL) would also interrupt that program; and against
 * bash 5 with keys typed ahead (test/integration/ssh-broker.test.ts) it left a key of the refused
 * line in readline's input, where it joined the next command. Where Ctrl-E/Ctrl-U mean something
 * else (vi-mode command state, full-screen programs) the line is uncertain in the first place.
 */
const CLEAR_LINE = Buffer.from([0x05, 0x15]);
/** Past this, the text a shell holds is not followed: every further line is uncertain until Ctrl-C. */
const MAX_HELD = 16_384;

export class InteractiveFilter {
  private readonly editor: LineEditor;
  private readonly decoder = new StringDecoder('utf8');
  private readonly queue: { text: string; forward: (d: Buffer) => void }[] = [];
  private holding = false;
  private altScreen = false;
  private secretPrompt = false;
  private lastOutputLine = '';
  /** The operator's current line as the target drew it: put back after a refusal notice. */
  private readonly screen = new ScreenLine();
  /**
   * Lines passed to the target that left a command open: the shell holds them and reads the next
   * line as part of that command. Empty when the shell is at a fresh command. Ctrl-C drops it.
   */
  private held = '';

  constructor(private readonly o: InteractiveFilterOptions) {
    this.editor = new LineEditor(o.lineDiscipline);
  }

  /** Target output, watched for the alternate screen and password prompts. */
  output(data: Buffer): void {
    const text = data.toString('utf8');
    this.screen.feed(text);
    const on = text.search(ALT_SCREEN_ON);
    const off = text.search(ALT_SCREEN_OFF);
    if (on >= 0 || off >= 0) this.altScreen = on > off;
    const nl = Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r'));
    this.lastOutputLine = nl >= 0 ? text.slice(nl + 1) : (this.lastOutputLine + text).slice(-200);
    this.secretPrompt = SECRET_PROMPT.test(this.lastOutputLine);
  }

  input(data: Buffer, forward: (d: Buffer) => void): void {
    const text = this.decoder.write(data);
    if (text.length === 0) return;
    this.queue.push({ text, forward });
    if (!this.holding) this.drain();
  }

  private drain(): void {
    while (!this.holding) {
      const next = this.queue.shift();
      if (next === undefined) return;
      const segments = this.editor.feed(next.text);
      this.run(segments, 0, next.forward);
    }
  }

  /** Processes segments in order; stops (holding) at a line that waits for review, resumes after. */
  private run(
    segments: readonly EditorSegment[],
    from: number,
    forward: (d: Buffer) => void,
  ): void {
    for (let i = from; i < segments.length; i++) {
      const s = segments[i];
      if (s === undefined) continue;
      const secret = this.secretPrompt;
      if (s.kind === 'pass') {
        if (this.altScreen) this.editor.markUncertain('a full-screen program (alternate screen)');
        if (secret) this.editor.markUncertain('typed at a password prompt (echo off)');
        if (!secret) this.o.recordInput(s.text);
        // Ctrl-C (SIGINT) makes the shell drop the command it was reading.
        if (s.text.includes('\x03')) this.held = '';
        forward(Buffer.from(s.text, 'utf8'));
        continue;
      }
      const line = s.kind === 'enter' ? s.line : s.text;
      // What the shell will have read once this Enter reaches it: the held lines, then this one.
      const whole = secret ? '' : `${this.held}${line.replace(/\r\n?/g, '\n')}\n`;
      const open = readShell(whole).open[0];
      const why =
        s.kind === 'paste'
          ? s.uncertain
          : secret
            ? 'typed at a password prompt (echo off)'
            : this.altScreen
              ? 'a full-screen program (alternate screen)'
              : (s.uncertain ??
                (this.held.length > 0
                  ? 'it continues a command the shell holds from earlier lines'
                  : open !== undefined
                    ? `it leaves a ${open} open: the shell reads the next line as part of it`
                    : undefined));
      // The reviewer reads what the target will receive: control keys shown as ^X; for readline,
      // whose editing the filter models, the keys typed too when they made the line uncertain.
      const typed =
        s.kind === 'enter' &&
        s.uncertain !== undefined &&
        this.o.lineDiscipline === 'readline' &&
        s.keys !== line
          ? `${line} (keys typed: ${s.keys})`
          : line;
      const shown = secret
        ? null
        : visibleKeys(this.held.length > 0 ? `${this.held}${typed}` : typed);
      const submit = (): void => {
        if (!secret) {
          this.o.recordInput(s.text);
          this.held = open === undefined ? '' : whole;
        }
        forward(Buffer.from(s.text, 'utf8'));
      };
      const multiLine = !secret && (this.held.length > 0 || open !== undefined);
      // Judged as the continuation and, in case the shell did not hold what the filter thinks
      // (a line typed into a program), alone too: there only a deny rule counts, as text that
      // continues a quote or a here-document is rarely a command of its own.
      // One policy for the whole decision of this line, even when a reload comes in between.
      const p = this.o.current?.() ?? this.o;
      const alone = decideLine(line, p.rules, p.defaultAction);
      const strict = !multiLine
        ? undefined
        : alone.action === 'deny' && alone.rule >= 0
          ? alone
          : decideLine(whole, p.rules, p.defaultAction);
      if (why !== undefined && strict?.action === 'deny') {
        this.refuse(forward, shown, strict.reason, {
          rule: strict.rule,
          command: strict.command,
          uncertain: why,
        });
        continue;
      }
      if (why !== undefined && whole.length > MAX_HELD) {
        this.refuse(forward, shown, 'the command is too long to follow (Ctrl-C drops it)', {
          uncertain: why,
        });
        continue;
      }
      if (why !== undefined) {
        if (p.uncertain === 'deny') {
          this.refuse(
            forward,
            shown,
            `the line cannot be checked (${why}) and this profile denies such lines`,
            { uncertain: why },
          );
          continue;
        }
        this.hold(segments, i, forward, shown, why, submit);
        return;
      }
      const d = decideLine(line, p.rules, p.defaultAction);
      const details = { line, rule: d.rule, command: d.command };
      switch (d.action) {
        case 'allow':
          this.o.audit('ssh.command', 'success', { kind: 'interactive', ...details });
          submit();
          break;
        case 'alert':
          this.o.audit('ssh.command_alert', 'success', { kind: 'interactive', ...details });
          submit();
          break;
        case 'deny':
          this.refuse(forward, line, d.reason, details);
          break;
        case 'review':
          this.hold(segments, i, forward, line, d.reason, submit);
          return;
        default: {
          const never: never = d.action;
          return never;
        }
      }
    }
  }

  private hold(
    segments: readonly EditorSegment[],
    at: number,
    forward: (d: Buffer) => void,
    line: string | null,
    why: string,
    submit: () => void,
  ): void {
    this.holding = true;
    this.o.notify(`waiting for an OT owner to approve this line (${why})...`);
    let settled = false;
    const timer = this.o.clock.setTimeout(
      () => settle({ decision: 'deny' }, true),
      this.o.reviewTimeoutMs,
    );
    const settle = (v: ReviewVerdict, timedOut: boolean): void => {
      if (settled) return;
      settled = true;
      timer.cancel();
      const by =
        v.reviewer === undefined
          ? ''
          : ` by ${v.reviewer}${v.comment === undefined ? '' : `: ${v.comment}`}`;
      this.o.audit('ssh.command_review', v.decision === 'allow' ? 'success' : 'denied', {
        line,
        why,
        decision: v.decision,
        timedOut,
        reviewer: v.reviewer ?? null,
        comment: v.comment ?? null,
      });
      if (v.decision === 'allow') {
        this.o.notify(`approved${by}.`);
        submit();
      } else {
        this.refuse(
          forward,
          line,
          timedOut
            ? 'no OT owner approved it in time'
            : v.reviewer === undefined
              ? 'no OT owner could be asked (link down or review unavailable)'
              : `refused${by}`,
          { why },
        );
      }
      this.holding = false;
      this.run(segments, at + 1, forward);
      this.drain();
    };
    this.o.requestReview(line, why).then(
      (v) => settle(v, false),
      () => settle({ decision: 'deny' }, false),
    );
  }

  private refuse(
    forward: (d: Buffer) => void,
    line: string | null,
    reason: string,
    details: Record<string, unknown>,
  ): void {
    this.editor.reset();
    this.o.notify(
      `command refused: ${reason}${
        this.held.length > 0
          ? ' (the shell still holds the earlier lines of this command; Ctrl-C drops them)'
          : ''
      }`,
    );
    // The notice moved the cursor to a new line; the target's line editor still believes it is on
    // the line it drew. Drawn again here, its kill then erases the typed text there and leaves
    // its prompt (screen-line.ts); otherwise it would erase at the wrong place and leave no prompt.
    const drawn = this.altScreen ? undefined : this.screen.redraw();
    if (drawn !== undefined) this.o.redraw(drawn);
    forward(CLEAR_LINE);
    this.o.audit('ssh.command_deny', 'denied', { kind: 'interactive', line, reason, ...details });
  }
}
