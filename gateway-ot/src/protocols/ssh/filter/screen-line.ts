/**
 * What the operator's terminal shows on its current line, followed from the target's output, so a
 * refused line can be put back where the target's line editor believes it is: the filter writes its
 * notice on new lines, then redraws this line (the prompt and what was typed) with the cursor where
 * it was, and only then lets the target kill the line. The target's kill (readline's redisplay, or
 * the tty's echo of VKILL) edits relative to the cursor, so it then erases exactly the typed text
 * and leaves a clean prompt, on the screen and in the recording alike.
 *
 * Followed: printable text (overwriting at the cursor), CR, LF, BS, TAB, and the CSI sequences line
 * editors use on one line (K, C, D, G, P, @, X); colours and other attributes are dropped, OSC
 * strings (window titles) skipped. Anything that moves the cursor to another line (A, B, H, f, d,
 * J, scrolling, the alternate screen) makes the line unknown until the next LF: `redraw` is then
 * undefined and the caller writes its notice without one. Wide characters count as one cell.
 * Never throws; memory is bounded by MAX_CELLS.
 */

const MAX_CELLS = 1024;
const MAX_PENDING = 256;

export class ScreenLine {
  private cells: string[] = [];
  private cursor = 0;
  private known = true;
  /** An escape sequence cut at the end of a chunk, completed by the next one. */
  private pending = '';

  feed(text: string): void {
    const s = this.pending + text;
    this.pending = '';
    let i = 0;
    while (i < s.length) {
      const c = s[i] ?? '';
      if (c === '\x1b') {
        const end = escapeEnd(s, i);
        if (end === undefined) {
          // Incomplete: kept for the next chunk unless it is implausibly long.
          const rest = s.slice(i);
          this.pending = rest.length <= MAX_PENDING ? rest : '';
          return;
        }
        this.escape(s.slice(i, end));
        i = end;
        continue;
      }
      this.char(c);
      i++;
    }
  }

  /**
   * Bytes that draw the line again on a fresh line, cursor where it was; undefined when the line
   * is not known.
   */
  redraw(): string | undefined {
    if (!this.known) return undefined;
    const text = this.cells.join('');
    if (this.cursor >= this.cells.length) return text + ' '.repeat(this.cursor - this.cells.length);
    return `${text}\r${this.cells.slice(0, this.cursor).join('')}`;
  }

  private char(c: string): void {
    switch (c) {
      case '\r':
        this.cursor = 0;
        return;
      case '\n':
        this.cells = [];
        this.known = true;
        return;
      case '\b':
        if (this.cursor > 0) this.cursor--;
        return;
      case '\t':
        this.cursor = Math.min(MAX_CELLS, (Math.floor(this.cursor / 8) + 1) * 8);
        return;
      default:
        if (c < ' ' || c === '\x7f') return;
        if (this.cursor >= MAX_CELLS) {
          this.known = false;
          return;
        }
        while (this.cells.length < this.cursor) this.cells.push(' ');
        this.cells[this.cursor] = c;
        this.cursor++;
    }
  }

  private escape(seq: string): void {
    if (seq[1] !== '[') {
      // OSC strings and charset selections do not move the cursor; ESC D/E/M/7/8 and the rest may.
      if (seq[1] === ']' || seq[1] === '(' || seq[1] === ')' || seq[1] === '=' || seq[1] === '>')
        return;
      this.known = false;
      return;
    }
    const final = seq[seq.length - 1] ?? '';
    const params = seq.slice(2, -1);
    if (params.startsWith('?') || params.startsWith('>')) {
      // Private modes: the alternate screen loses the line; others (cursor keys, bracketed paste) do not.
      if (/^\?(1049|1047|47)[hl]?/.test(params + final)) this.known = false;
      return;
    }
    const n = Math.max(1, Number.parseInt(params || '1', 10) || 1);
    switch (final) {
      case 'm':
        return;
      case 'K': {
        const mode = params === '' ? 0 : Number.parseInt(params, 10);
        if (mode === 0) this.cells = this.cells.slice(0, this.cursor);
        else if (mode === 1)
          for (let k = 0; k <= this.cursor && k < this.cells.length; k++) this.cells[k] = ' ';
        else this.cells = [];
        return;
      }
      case 'C':
        this.cursor = Math.min(MAX_CELLS, this.cursor + n);
        return;
      case 'D':
        this.cursor = Math.max(0, this.cursor - n);
        return;
      case 'G':
        this.cursor = Math.min(MAX_CELLS, n - 1);
        return;
      case 'P':
        this.cells.splice(this.cursor, n);
        return;
      case 'X':
        for (let k = this.cursor; k < this.cursor + n && k < this.cells.length; k++)
          this.cells[k] = ' ';
        return;
      case '@':
        if (this.cursor < this.cells.length)
          this.cells.splice(
            this.cursor,
            0,
            ...Array.from({ length: Math.min(n, MAX_CELLS) }, () => ' '),
          );
        this.cells = this.cells.slice(0, MAX_CELLS);
        return;
      default:
        this.known = false;
    }
  }
}

/** The index after the escape sequence starting at `i`, or undefined when the text ends first. */
function escapeEnd(s: string, i: number): number | undefined {
  const kind = s[i + 1];
  if (kind === undefined) return undefined;
  if (kind === '[') {
    for (let k = i + 2; k < s.length; k++) {
      const code = s.charCodeAt(k);
      if (code >= 0x40 && code <= 0x7e) return k + 1;
    }
    return undefined;
  }
  if (kind === ']') {
    // Ended by BEL or ST (ESC \).
    for (let k = i + 2; k < s.length; k++) {
      if (s[k] === '\x07') return k + 1;
      if (s[k] === '\x1b' && s[k + 1] === '\\') return k + 2;
    }
    return undefined;
  }
  if (kind === '(' || kind === ')') return i + 3 <= s.length ? i + 3 : undefined;
  return i + 2;
}
