/**
 * Reads text the way a POSIX shell's tokenizer does, for the interactive filter: it cuts the text
 * into the commands the shell would run and says what the text leaves open at its end, i.e. whether
 * the shell would read another line as part of the same command. It tracks single and double
 * quotes, backslash escapes and backslash-newline continuation, `$(...)`, backquotes, `${...}`,
 * `$((...))`, comments, here-documents (`<<`, `<<-`, quoted delimiters; the body of an unquoted one
 * is read like double-quoted text, so its `$(...)` are commands) and a trailing `|`, `&&` or `||`.
 *
 * Commands are cut at unquoted `;`, `&`, `|`, newlines, `(`, `)`, `{`, `}` and at the edges of
 * `$(...)` and backquotes (also inside double quotes and here-documents); each is unquoted and
 * trimmed. Arithmetic `$((...))` is a value, kept as text, unless it holds a `$(` or backquote.
 *
 * It is a tokenizer, not a parser: keywords (`if`, `case`, `while`) are not tracked, because they
 * do not change how the next line is quoted; aliases and `eval` are not expanded (see
 * docs/ssh-command-filter.md). Never throws; work is linear in the text.
 */

/** Why the shell would read more: the innermost construct left open at the end of the text. */
export type OpenConstruct =
  | 'single quote'
  | 'double quote'
  | 'backslash continuation'
  | 'here-document'
  | '$( command substitution'
  | 'backquote substitution'
  | '${ parameter expansion'
  | '$(( arithmetic'
  | 'trailing |, && or ||';

export interface ShellReading {
  /** The commands of the text, unquoted and trimmed, in order. */
  readonly commands: readonly string[];
  /** What is left open at the end, innermost first; empty when the text is a complete command. */
  readonly open: readonly OpenConstruct[];
}

type Frame =
  | { readonly kind: 'command'; readonly close: ')' | '`' | undefined; depth: number }
  | { readonly kind: 'single' }
  | { readonly kind: 'double'; readonly heredoc: boolean }
  | { readonly kind: 'param'; depth: number }
  | { readonly kind: 'arith'; depth: number; readonly start: number; readonly cut: boolean };

interface HeredocSpec {
  readonly delimiter: string;
  readonly stripTabs: boolean;
  readonly expand: boolean;
}

const BOUNDARY = new Set([';', '&', '|', '\n', '\r', '(', ')', '{', '}']);
const WORD_END = new Set([' ', '\t', '\n', ';', '&', '|', '<', '>', '(', ')']);

export function readShell(text: string): ShellReading {
  const r = new Reader(text, { kind: 'command', close: undefined, depth: 0 });
  r.run();
  return { commands: r.commands, open: r.openAtEnd() };
}

class Reader {
  readonly commands: string[] = [];
  private readonly stack: Frame[];
  private cur = '';
  private i = 0;
  /** After `|`, `&&`, `||`: the shell needs another command. */
  private needsMore = false;
  /** True where a `#` would start a comment. */
  private atWordStart = true;
  private continued = false;
  private heredocOpen = false;
  private readonly heredocs: HeredocSpec[] = [];

  /**
   * @param bodyOnly a here-document body: its own text is data, only its substitutions are commands.
   */
  constructor(
    private readonly text: string,
    first: Frame,
    private readonly bodyOnly = false,
  ) {
    this.stack = [first];
  }

  openAtEnd(): OpenConstruct[] {
    const open: OpenConstruct[] = [];
    if (this.continued) open.push('backslash continuation');
    for (let k = this.stack.length - 1; k >= 0; k--) {
      const f = this.stack[k];
      if (f === undefined) continue;
      if (f.kind === 'single') open.push('single quote');
      else if (f.kind === 'double' && !f.heredoc) open.push('double quote');
      else if (f.kind === 'param') open.push('${ parameter expansion');
      else if (f.kind === 'arith') open.push('$(( arithmetic');
      else if (f.kind === 'command' && f.close === ')') open.push('$( command substitution');
      else if (f.kind === 'command' && f.close === '`') open.push('backquote substitution');
    }
    if (this.heredocOpen || this.heredocs.length > 0) open.push('here-document');
    if (this.needsMore) open.push('trailing |, && or ||');
    return open;
  }

  run(): void {
    const n = this.text.length;
    while (this.i < n) {
      const f = this.stack[this.stack.length - 1];
      if (f === undefined) return;
      const c = this.text[this.i] ?? '';
      switch (f.kind) {
        case 'single':
          if (c === "'") this.stack.pop();
          else this.cur += c;
          this.i++;
          break;
        case 'double':
          this.inDouble(f, c);
          break;
        case 'param':
          this.inParam(f, c);
          break;
        case 'arith':
          this.inArith(f, c);
          break;
        case 'command':
          this.inCommand(f, c);
          break;
        default: {
          const never: never = f;
          return never;
        }
      }
    }
    this.push();
  }

  private push(): void {
    if (this.bodyOnly && this.stack.length <= 1) {
      this.cur = '';
      return;
    }
    const t = this.cur.trim();
    if (t.length > 0) this.commands.push(t);
    this.cur = '';
  }

  /** A backslash outside single quotes: `\`newline is removed; at the very end it is left open. */
  private backslash(escapes: string | undefined): void {
    const next = this.text[this.i + 1];
    if (next === undefined) {
      this.cur += '\\';
      this.continued = true;
      this.i++;
      return;
    }
    if (next === '\n') {
      this.i += 2;
      if (this.i >= this.text.length) this.continued = true;
      return;
    }
    // Inside double quotes only some characters are escaped; the backslash stays before others.
    if (escapes !== undefined && !escapes.includes(next)) this.cur += '\\';
    this.cur += next;
    this.i += 2;
  }

  /** `$` followed by `((`, `(`, `{` opens a frame; returns false when it is a plain `$`. */
  private dollar(): boolean {
    const t = this.text;
    if (t.startsWith('$((', this.i)) {
      const body = arithmeticBody(t, this.i + 3);
      const cut = /\$\(|`/.test(body);
      this.stack.push({ kind: 'arith', depth: 0, start: this.i, cut });
      if (!cut) this.cur += '$((';
      this.i += 3;
      return true;
    }
    if (t.startsWith('$(', this.i)) {
      this.push();
      this.stack.push({ kind: 'command', close: ')', depth: 0 });
      this.atWordStart = true;
      this.i += 2;
      return true;
    }
    if (t.startsWith('${', this.i)) {
      this.stack.push({ kind: 'param', depth: 0 });
      this.cur += '${';
      this.i += 2;
      return true;
    }
    return false;
  }

  private backquote(): void {
    // Inside a backquote substitution a backquote closes it (nesting needs `\``, read as text).
    if (this.stack.some((f) => f.kind === 'command' && f.close === '`')) {
      this.push();
      while (this.stack.length > 1) {
        const f = this.stack.pop();
        if (f?.kind === 'command' && f.close === '`') break;
      }
    } else {
      this.push();
      this.stack.push({ kind: 'command', close: '`', depth: 0 });
    }
    this.atWordStart = true;
    this.i++;
  }

  private inDouble(f: Frame & { kind: 'double' }, c: string): void {
    if (c === '"' && !f.heredoc) {
      this.stack.pop();
      this.i++;
    } else if (c === '\\') this.backslash(f.heredoc ? '$`\\\n' : '$`"\\\n');
    else if (c === '`') this.backquote();
    else if (c === '$' && this.dollar()) return;
    else {
      this.cur += c;
      this.i++;
    }
  }

  private inParam(f: Frame & { kind: 'param' }, c: string): void {
    if (c === '}' && f.depth === 0) {
      this.stack.pop();
      this.cur += c;
      this.i++;
    } else if (c === '{') {
      f.depth++;
      this.cur += c;
      this.i++;
    } else if (c === '}') {
      f.depth--;
      this.cur += c;
      this.i++;
    } else if (c === '\\') this.backslash(undefined);
    else if (c === "'") {
      this.stack.push({ kind: 'single' });
      this.i++;
    } else if (c === '"') {
      this.stack.push({ kind: 'double', heredoc: false });
      this.i++;
    } else if (c === '`') this.backquote();
    else if (c === '$' && this.dollar()) return;
    else {
      this.cur += c;
      this.i++;
    }
  }

  private inArith(f: Frame & { kind: 'arith' }, c: string): void {
    if (c === ')' && f.depth === 0) {
      this.stack.pop();
      const closed = this.text[this.i + 1] === ')' ? 2 : 1;
      if (!f.cut) this.cur += this.text.slice(this.i, this.i + closed);
      else this.push();
      this.i += closed;
    } else if (c === '(') {
      f.depth++;
      this.cur += c;
      this.i++;
    } else if (c === ')') {
      f.depth--;
      this.cur += c;
      this.i++;
    } else if (c === '`') this.backquote();
    else if (c === '$' && this.dollar()) return;
    else if (c === '\\') this.backslash(undefined);
    else {
      this.cur += c;
      this.i++;
    }
  }

  private inCommand(f: Frame & { kind: 'command' }, c: string): void {
    const t = this.text;
    if (c === '#' && this.atWordStart) {
      // A comment runs to the end of the line; a quote in it opens nothing.
      const nl = t.indexOf('\n', this.i);
      this.i = nl < 0 ? t.length : nl;
      return;
    }
    this.atWordStart = WORD_END.has(c);
    if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') this.needsMore = false;
    if (c === '\\') return this.backslash(undefined);
    if (c === "'") {
      this.stack.push({ kind: 'single' });
      this.i++;
      return;
    }
    if (c === '"') {
      this.stack.push({ kind: 'double', heredoc: false });
      this.i++;
      return;
    }
    if (c === '`') return this.backquote();
    if (c === '$' && this.dollar()) return;
    if (c === ')' && f.close === ')') {
      if (f.depth === 0) {
        this.push();
        this.stack.pop();
        this.i++;
        return;
      }
      f.depth--;
    } else if (c === '(' && f.close === ')') f.depth++;
    if (c === '<' && t[this.i + 1] === '<' && t[this.i + 2] !== '<') {
      this.i = this.readHeredocOperator(this.i);
      this.atWordStart = true;
      return;
    }
    if (c === '|' || (c === '&' && t[this.i + 1] === '&')) {
      this.push();
      this.needsMore = true;
      this.i += c === '&' || t[this.i + 1] === '|' ? 2 : 1;
      this.atWordStart = true;
      return;
    }
    if (BOUNDARY.has(c)) {
      this.push();
      this.i++;
      if (c === '\n') this.readHeredocBodies();
      return;
    }
    this.cur += c;
    this.i++;
  }

  /** `<<` or `<<-` and its delimiter word; the body is read after the next newline. */
  private readHeredocOperator(at: number): number {
    const t = this.text;
    let i = at + 2;
    const stripTabs = t[i] === '-';
    if (stripTabs) i++;
    while (t[i] === ' ' || t[i] === '\t') i++;
    let delimiter = '';
    let quoted = false;
    while (i < t.length && !WORD_END.has(t[i] ?? '')) {
      const c = t[i] ?? '';
      if (c === "'" || c === '"') {
        quoted = true;
        const end = t.indexOf(c, i + 1);
        if (end < 0) {
          // An unterminated quote in the delimiter: the shell keeps reading it.
          this.stack.push(c === "'" ? { kind: 'single' } : { kind: 'double', heredoc: false });
          return t.length;
        }
        delimiter += t.slice(i + 1, end);
        i = end + 1;
      } else if (c === '\\') {
        quoted = true;
        delimiter += t[i + 1] ?? '';
        i += 2;
      } else {
        delimiter += c;
        i++;
      }
    }
    this.cur += `<<${delimiter}`;
    this.heredocs.push({ delimiter, stripTabs, expand: !quoted });
    return i;
  }

  /** After a newline: the bodies of the here-documents started on that line, in order. */
  private readHeredocBodies(): void {
    const t = this.text;
    while (this.heredocs.length > 0) {
      const h = this.heredocs[0];
      if (h === undefined) return;
      let body = '';
      for (;;) {
        const found = t.indexOf('\n', this.i);
        // The text's last line ends the text (an exec command) as a newline would.
        const nl = found < 0 && this.i < t.length ? t.length : found;
        if (nl < 0) {
          // The delimiter line has not come: the shell reads on.
          this.heredocOpen = true;
          if (h.expand) this.readBody(body + t.slice(this.i));
          this.i = t.length;
          return;
        }
        const line = t.slice(this.i, nl);
        this.i = nl + 1;
        if ((h.stripTabs ? line.replace(/^\t+/, '') : line) === h.delimiter) break;
        if (found < 0) {
          this.heredocOpen = true;
          if (h.expand) this.readBody(body + line);
          return;
        }
        body += `${line}\n`;
      }
      this.heredocs.shift();
      if (h.expand) this.readBody(body);
    }
  }

  /** An unquoted here-document body is expanded like double-quoted text: its substitutions are commands. */
  private readBody(body: string): void {
    const inner = new Reader(body, { kind: 'double', heredoc: true }, true);
    inner.run();
    this.commands.push(...inner.commands);
    if (inner.openAtEnd().length > 0) this.heredocOpen = true;
  }
}

/** The text of an arithmetic expansion whose body starts at `from`, up to its closing `))`. */
function arithmeticBody(text: string, from: number): string {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') {
      if (depth === 0) return text.slice(from, i);
      depth--;
    }
  }
  return text.slice(from);
}
