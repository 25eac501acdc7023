/**
 * The terminal pages' files, served by the gateway itself (no CDN): xterm.js and its fit addon
 * read once from the installed packages (@xterm/xterm, @xterm/addon-fit), the terminal script
 * (browser/terminal.ts, compiled and read as static-assets.ts says; its header describes the three
 * modes and the `#term-status` states) and the terminal pages' stylesheet.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readBrowserScript } from './static-assets.js';

export interface TerminalAssets {
  readonly xtermJs: string;
  readonly xtermCss: string;
  readonly fitJs: string;
}

let cached: TerminalAssets | undefined;

/** Reads the packaged xterm files once (they are part of the installed application). */
export function terminalAssets(): TerminalAssets {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  const xtermMain = require.resolve('@xterm/xterm');
  const fitMain = require.resolve('@xterm/addon-fit');
  cached = {
    xtermJs: readFileSync(xtermMain, 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/m, ''),
    xtermCss: readFileSync(xtermMain.replace(/lib[\\/]xterm\.js$/, 'css/xterm.css'), 'utf8'),
    fitJs: readFileSync(fitMain, 'utf8').replace(/\n\/\/# sourceMappingURL=.*$/m, ''),
  };
  return cached;
}

export const TERMINAL_CSS = `
#terminal { background:#000; padding:4px; border-radius:4px; height:70vh; min-height:18rem; }
#term-status { font-weight:600; }
#term-status[data-state=refused], #term-status[data-state=ended] { color:var(--bad); }
#term-status[data-state=live], #term-status[data-state=playing] { color:var(--ok); }
.player { display:flex; gap:.6rem; align-items:center; margin:.6rem 0; }
`;

export const TERMINAL_JS = readBrowserScript('terminal.js');
