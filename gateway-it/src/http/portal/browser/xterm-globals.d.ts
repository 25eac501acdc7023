/**
 * What the terminal pages load before terminal.js, as classic scripts: xterm.js's UMD build puts
 * its exports on the global object (`Terminal`), the fit addon its module (`FitAddon.FitAddon`).
 * Typed from the packages' own declarations; this file only says where the page finds them.
 */
import type { Terminal as XtermTerminal } from '@xterm/xterm';
import type * as XtermFitAddon from '@xterm/addon-fit';

declare global {
  const Terminal: typeof XtermTerminal;
  type Terminal = XtermTerminal;
  const FitAddon: typeof XtermFitAddon;

  interface Window {
    /** The page's terminal, for the browser tests (they read its buffer) and the curious. */
    airlockTerminal: Terminal;
  }
}
