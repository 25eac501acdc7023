/**
 * Free text people type (display names, labels, reasons, ticket references, comments) is shown
 * back to other people: in the portal, in terminals (the CLI, `jq -r` over an export), in
 * spreadsheets and SIEMs. Characters that change how the text around them is shown have no place
 * in it: C0 controls (NUL, ESC starts terminal escape sequences, CR rewrites a line), DEL, C1
 * controls (U+0080–U+009F, CSI among them), and the bidirectional overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069: "Trojan Source", text that reads differently than it is stored).
 *
 * Guarantees: `freeTextProblem` names the first such character and where it is, for a 400 that
 * names the field; one-line text also refuses TAB, LF, CR and the Unicode line and paragraph
 * separators; multi-line text (reasons, comments) keeps TAB, LF and CR LF, but not a CR alone.
 * `neutraliseText` replaces each such character with U+FFFD for output of text stored before the
 * check existed (the character is visibly gone, the rest unchanged). Not here: what a field means
 * or its length (the schemas), and text that is not free text (terminal output in recordings).
 */

export type TextKind = 'line' | 'multiline';

/** C0 but TAB, LF, CR; DEL; C1; the bidi embeddings, overrides and isolates. */
const ALWAYS =
  '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069';
/** One-line text also refuses TAB, LF, CR, LINE and PARAGRAPH SEPARATOR. */
const UNSAFE_LINE = new RegExp(`[${ALWAYS}\\t\\n\\r\\u2028\\u2029]`, 'u');
/** Multi-line text refuses a CR not followed by LF (it lets the next text overwrite the line). */
const UNSAFE_MULTILINE = new RegExp(`[${ALWAYS}]|\\r(?!\\n)`, 'u');
const PATTERNS: Readonly<Record<TextKind, { one: RegExp; all: RegExp }>> = {
  line: { one: UNSAFE_LINE, all: new RegExp(UNSAFE_LINE.source, 'gu') },
  multiline: { one: UNSAFE_MULTILINE, all: new RegExp(UNSAFE_MULTILINE.source, 'gu') },
};

const NAMES: Readonly<Record<number, string>> = {
  0x00: 'NUL',
  0x09: 'TAB',
  0x0a: 'LF',
  0x0d: 'CR',
  0x1b: 'ESC',
  0x7f: 'DEL',
  0x9b: 'CSI',
  0x2028: 'LINE SEPARATOR',
  0x2029: 'PARAGRAPH SEPARATOR',
};

function describe(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES[cp];
  if (name !== undefined) return `${hex} (${name})`;
  return cp >= 0x202a ? `${hex} (a bidirectional override)` : `${hex} (a control character)`;
}

function firstMatch(value: string, kind: TextKind): RegExpExecArray | null {
  return PATTERNS[kind].one.exec(value);
}

/** Why `value` is not acceptable free text of that kind, or undefined when it is. */
export function freeTextProblem(value: string, kind: TextKind): string | undefined {
  const m = firstMatch(value, kind);
  if (m === null) return undefined;
  const what = kind === 'line' ? 'line breaks, ' : '';
  return `contains ${describe(m[0])} at character ${m.index + 1}; ${what}control characters and bidirectional overrides are not allowed`;
}

/** Whether `value` holds a character `freeTextProblem` would refuse. */
export function hasUnsafeText(value: string, kind: TextKind): boolean {
  return PATTERNS[kind].one.test(value);
}

/** `value` with each refused character replaced by U+FFFD (for text stored before the check). */
export function neutraliseText(value: string, kind: TextKind): string {
  if (!hasUnsafeText(value, kind)) return value;
  return value.replace(PATTERNS[kind].all, '\uFFFD');
}
