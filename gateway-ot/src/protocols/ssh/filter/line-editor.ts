import { omitUndefined } from '../../../../../shared/src/omit-undefined.js';
/**
 * Reconstructs the command line an operator is typing from the keys they send, the way an
 * emacs-mode readline would apply them: printable text, Backspace, Delete, Ctrl-U/K/W, Ctrl-A/E/B/F,
 * arrow keys left/right, Home/End, Ctrl-C (line dropped). Keys whose effect depends on the shell's
 * state (Tab completion, history: up/down, Ctrl-R/P/N, yank, Alt-combinations, unknown escape
 * sequences) make the line *uncertain*; so does a paste of more than one line. The editor never
 * blocks anything itself: it cuts the input at each Enter and says what the line is, or that it
 * cannot know. Text is UTF-8; Enter is CR or LF.
 *
 * Those keys are readline's. A target without line editing (dash, busybox sh, a program reading
 * its tty in canonical mode) gets the bytes as they are: the tty's line discipline erases a
 * character on Backspace (DEL), the line on Ctrl-U, drops it on Ctrl-C, and keeps every other key
 * (Ctrl-A, Ctrl-K, arrows, Tab) as a byte of the line the shell then runs. Unless the profile says
 * the target has readline, the editor models that raw line, and any key other than text,
 * Backspace, Ctrl-U and Ctrl-C makes it uncertain: the line is what the target receives (`sudo
 * id^A^Kls`), not what readline would have made of it (`ls`). Ctrl-W is uncertain there too: the
 * Linux tty erases a word of letters, digits and `_`, readline up to a space.
 */
/** `readline`: the target edits lines like readline (bash); `raw`/`unknown`: the tty's canonical mode does. */
export type LineDiscipline = 'readline' | 'raw' | 'unknown';
export type EditorSegment =
  /** Bytes to pass on as they are (not an Enter). */
  | { readonly kind: 'pass'; readonly text: string }
  /** An Enter, with the line it submits; `uncertain` says why the line cannot be known. */
  | {
      readonly kind: 'enter';
      readonly text: string;
      readonly line: string;
      /** Every key of the line as typed (since the last Enter or reset), for a reviewer. */
      readonly keys: string;
      readonly uncertain?: string;
    }
  /** Several lines at once (a paste): decided as a whole, `text` is everything pasted. */
  | { readonly kind: 'paste'; readonly text: string; readonly uncertain: string };

const CSI = /^\x1b(?:\[([0-9;]*)([A-Za-z~])|O([A-Za-z]))/;

export class LineEditor {
  private line: string[] = [];
  private cursor = 0;
  private uncertain: string | undefined;
  private keys = '';

  constructor(private readonly discipline: LineDiscipline) {}

  /** The line typed so far (for tests and notices). */
  get current(): string {
    return this.line.join('');
  }

  reset(): void {
    this.line = [];
    this.cursor = 0;
    this.uncertain = undefined;
    this.keys = '';
  }

  /** Marks the line being typed as unknowable (echo off, alternate screen), from the output side. */
  markUncertain(why: string): void {
    this.uncertain ??= why;
  }

  feed(text: string): EditorSegment[] {
    const stripped = text.replace(/\x1b\[20[01]~/g, '');
    // More than one line at once, or a line followed by more text: a paste, not typing.
    const firstEnter = stripped.search(/\r\n|\r|\n/);
    const afterEnter =
      firstEnter < 0 ? '' : stripped.slice(firstEnter).replace(/^(\r\n|\r|\n)/, '');
    if (firstEnter >= 0 && afterEnter.length > 0) {
      const whole = this.current + stripped;
      this.reset();
      return [
        {
          kind: 'paste',
          text,
          uncertain: `a paste of several lines: ${JSON.stringify(whole.slice(0, 200))}`,
        },
      ];
    }
    const out: EditorSegment[] = [];
    let pass = '';
    let i = 0;
    while (i < text.length) {
      const rest = text.slice(i);
      const c = text[i] ?? '';
      if (c === '\r' || c === '\n') {
        if (pass.length > 0) out.push({ kind: 'pass', text: pass });
        pass = '';
        // CR LF from some clients is one Enter.
        const len = c === '\r' && text[i + 1] === '\n' ? 2 : 1;
        out.push({
          kind: 'enter',
          text: text.slice(i, i + len),
          line: this.current,
          keys: this.keys,
          ...omitUndefined({ uncertain: this.uncertain }),
        });
        this.reset();
        i += len;
        continue;
      }
      if (c === '\x1b') {
        const m = CSI.exec(rest);
        const seq = m?.[0] ?? rest.slice(0, 2);
        this.keys += seq;
        if (this.discipline === 'readline') this.escape(m?.[1], m?.[2] ?? m?.[3], seq);
        else this.rawKey(seq);
        pass += seq;
        i += seq.length;
        continue;
      }
      this.keys += c;
      if (this.discipline === 'readline') this.key(c);
      else this.rawKey(c);
      pass += c;
      i++;
    }
    if (pass.length > 0) out.push({ kind: 'pass', text: pass });
    return out;
  }

  /** A key for a tty in canonical mode: it edits only with DEL, Ctrl-U and Ctrl-C; the rest are bytes of the line. */
  private rawKey(k: string): void {
    const code = k.charCodeAt(0);
    if (k.length === 1 && code >= 0x20 && code !== 0x7f) {
      this.line.push(k);
    } else if (code === 0x7f) {
      this.line.pop();
    } else if (code === 0x15) {
      this.line = [];
    } else if (code === 0x03) {
      this.reset();
      return;
    } else {
      this.line.push(...k);
      this.uncertain ??= `editing key ${visibleKeys(k)} on a target whose profile does not say it has readline (lineDiscipline: ${this.discipline})`;
    }
    this.cursor = this.line.length;
  }

  private key(c: string): void {
    const code = c.charCodeAt(0);
    switch (code) {
      case 0x7f:
      case 0x08:
        if (this.cursor > 0) this.line.splice(--this.cursor, 1);
        return;
      case 0x15: // Ctrl-U
        this.line.splice(0, this.cursor);
        this.cursor = 0;
        return;
      case 0x0b: // Ctrl-K
        this.line.splice(this.cursor);
        return;
      case 0x17: {
        // Ctrl-W: the word before the cursor, with the spaces after it.
        let j = this.cursor;
        while (j > 0 && this.line[j - 1] === ' ') j--;
        while (j > 0 && this.line[j - 1] !== ' ') j--;
        this.line.splice(j, this.cursor - j);
        this.cursor = j;
        return;
      }
      case 0x01:
        this.cursor = 0;
        return;
      case 0x05:
        this.cursor = this.line.length;
        return;
      case 0x02:
        this.cursor = Math.max(0, this.cursor - 1);
        return;
      case 0x06:
        this.cursor = Math.min(this.line.length, this.cursor + 1);
        return;
      case 0x04:
        if (this.cursor < this.line.length) this.line.splice(this.cursor, 1);
        return;
      case 0x03: // Ctrl-C: the shell drops the line.
        this.reset();
        return;
      case 0x0c: // Ctrl-L redraws
        return;
      case 0x09:
        this.uncertain ??= 'Tab completion';
        return;
      case 0x12:
      case 0x10:
      case 0x0e:
        this.uncertain ??= 'history recall (Ctrl-R/P/N)';
        return;
      default:
        if (code < 0x20) {
          this.uncertain ??= `control key ^${String.fromCharCode(code + 0x40)}`;
          return;
        }
        this.line.splice(this.cursor++, 0, c);
    }
  }

  private escape(params: string | undefined, final: string | undefined, seq: string): void {
    switch (final) {
      case 'C':
        this.cursor = Math.min(this.line.length, this.cursor + 1);
        return;
      case 'D':
        this.cursor = Math.max(0, this.cursor - 1);
        return;
      case 'H':
        this.cursor = 0;
        return;
      case 'F':
        this.cursor = this.line.length;
        return;
      case '~':
        if (params === '3') {
          if (this.cursor < this.line.length) this.line.splice(this.cursor, 1);
          return;
        }
        if (params === '1' || params === '7') {
          this.cursor = 0;
          return;
        }
        if (params === '4' || params === '8') {
          this.cursor = this.line.length;
          return;
        }
        // Bracketed paste markers: a one-line paste is typing; several lines were caught in feed().
        if (params === '200' || params === '201') return;
        break;
      case 'A':
      case 'B':
        this.uncertain ??= 'history recall (up/down)';
        return;
      default:
        break;
    }
    this.uncertain ??= `key sequence ${JSON.stringify(seq)}`;
  }
}

/** Control characters as `^X` (ESC is `^[`, DEL `^?`), newlines kept: what a reviewer can read. */
export function visibleKeys(text: string): string {
  return text.replace(/[\x00-\x09\x0b-\x1f\x7f]/g, (c) =>
    c === '\x7f' ? '^?' : `^${String.fromCharCode(c.charCodeAt(0) + 0x40)}`,
  );
}
