import { omitUndefined } from '../../../../../shared/src/omit-undefined.js';
/**
 * Reconstructs the command line an operator is typing from the keys they send, the way an
 * emacs-mode readline would apply them: printable text, Backspace, Delete, Ctrl-U/K/W, Ctrl-A/E/B/F,
 * arrow keys left/right, Home/End, Ctrl-C (line dropped). Keys whose effect depends on the shell's
 * state (Tab completion, history: up/down, Ctrl-R/P/N, yank, Alt-combinations, unknown escape
 * sequences) make the line *uncertain*; so does a paste of more than one line. The editor never
 * blocks anything itself: it cuts the input at each Enter and says what the line is, or that it
 * cannot know. Text is UTF-8; Enter is CR or LF.
 */
export type EditorSegment =
  /** Bytes to pass on as they are (not an Enter). */
  | { readonly kind: 'pass'; readonly text: string }
  /** An Enter, with the line it submits; `uncertain` says why the line cannot be known. */
  | {
      readonly kind: 'enter';
      readonly text: string;
      readonly line: string;
      readonly uncertain?: string;
    }
  /** Several lines at once (a paste): decided as a whole, `text` is everything pasted. */
  | { readonly kind: 'paste'; readonly text: string; readonly uncertain: string };

const CSI = /^\x1b(?:\[([0-9;]*)([A-Za-z~])|O([A-Za-z]))/;

export class LineEditor {
  private line: string[] = [];
  private cursor = 0;
  private uncertain: string | undefined;

  /** The line typed so far (for tests and notices). */
  get current(): string {
    return this.line.join('');
  }

  reset(): void {
    this.line = [];
    this.cursor = 0;
    this.uncertain = undefined;
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
          ...omitUndefined({ uncertain: this.uncertain }),
        });
        this.reset();
        i += len;
        continue;
      }
      if (c === '\x1b') {
        const m = CSI.exec(rest);
        const seq = m?.[0] ?? rest.slice(0, 2);
        this.escape(m?.[1], m?.[2] ?? m?.[3], seq);
        pass += seq;
        i += seq.length;
        continue;
      }
      this.key(c);
      pass += c;
      i++;
    }
    if (pass.length > 0) out.push({ kind: 'pass', text: pass });
    return out;
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
