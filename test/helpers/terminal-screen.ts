/**
 * What a terminal shows for some output: the bytes are fed to xterm.js's headless emulator (the
 * web terminal's own engine) and the lines read back, scrollback included, without trailing blanks.
 */
import headless from '@xterm/headless';

export async function screenLines(output: string, cols = 120, rows = 40): Promise<string[]> {
  const term = new headless.Terminal({ cols, rows, scrollback: 5000, allowProposedApi: true });
  try {
    await new Promise<void>((resolve) => term.write(output, resolve));
    const buf = term.buffer.active;
    const lines: string[] = [];
    for (let i = 0; i < buf.length; i++) lines.push(buf.getLine(i)?.translateToString(true) ?? '');
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines;
  } finally {
    term.dispose();
  }
}
