/**
 * The terminal line discipline of the simulated HMI shell: what a pty plus readline would do with
 * the bytes a user types. It echoes printable characters, handles backspace, Ctrl-C (drop the line)
 * and Ctrl-D (end of input on an empty line), and turns Enter (CR, LF or CRLF) into a line. Cursor
 * keys and other escape sequences are swallowed, not interpreted: there is no history or editing
 * in the middle of a line. Input is taken as UTF-8 text split into code points.
 */
export type EditorEvent =
  | { readonly kind: 'echo'; readonly text: string }
  | { readonly kind: 'line'; readonly text: string }
  | { readonly kind: 'interrupt' }
  | { readonly kind: 'eof' };

const MAX_LINE = 4096;

export class LineEditor {
  private buffer: string[] = [];
  private lastWasCr = false;
  /** 0: normal; 1: after ESC; 2: inside a CSI sequence (ESC [ ... final byte). */
  private escape: 0 | 1 | 2 = 0;

  /** Feeds typed input; returns what happened, in order. The caller acts on events one by one. */
  feed(chunk: string): EditorEvent[] {
    const events: EditorEvent[] = [];
    let echo = '';
    const flushEcho = (): void => {
      if (echo !== '') events.push({ kind: 'echo', text: echo });
      echo = '';
    };
    for (const c of chunk) {
      const wasCr = this.lastWasCr;
      this.lastWasCr = false;
      if (this.escape === 1) {
        this.escape = c === '[' || c === 'O' ? 2 : 0;
        continue;
      }
      if (this.escape === 2) {
        // CSI parameters are 0x30-0x3f and intermediates 0x20-0x2f; anything else ends the sequence.
        if (c < ' ' || c > '?') this.escape = 0;
        continue;
      }
      switch (c) {
        case '\x1b':
          this.escape = 1;
          break;
        case '\r':
        case '\n':
          if (c === '\n' && wasCr) break;
          this.lastWasCr = c === '\r';
          flushEcho();
          events.push({ kind: 'line', text: this.buffer.join('') });
          this.buffer = [];
          break;
        case '\x7f':
        case '\b':
          if (this.buffer.length > 0) {
            this.buffer.pop();
            echo += '\b \b';
          }
          break;
        case '\x03':
          flushEcho();
          this.buffer = [];
          events.push({ kind: 'interrupt' });
          break;
        case '\x04':
          // Like a shell on a terminal: Ctrl-D ends the session only on an empty line.
          if (this.buffer.length === 0) {
            flushEcho();
            events.push({ kind: 'eof' });
          }
          break;
        case '\x15':
          // Ctrl-U: erase the whole line.
          echo += '\b \b'.repeat(this.buffer.length);
          this.buffer = [];
          break;
        default:
          if (c >= ' ' && this.buffer.length < MAX_LINE) {
            this.buffer.push(c);
            echo += c;
          }
      }
    }
    flushEcho();
    return events;
  }
}
