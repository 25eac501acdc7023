/**
 * The portal's only stylesheet and script, served as files from the gateway (CSP: script-src and
 * style-src 'self', so nothing inline). The script only adds conveniences (confirm before
 * destructive buttons, showing the fields of the chosen window kind); every page works without it.
 *
 * The scripts are TypeScript in browser/ (their own project, checked against the DOM), compiled by
 * the one `tsc -b` to dist/ beside this module, and read from there once, when the gateway loads
 * this module: found through import.meta.url, so a checkout and the installed package (which
 * ships dist/ alone) find them the same way, whatever the working directory. A missing script
 * stops the gateway at start instead of breaking pages later. The stylesheets stay strings here:
 * tsc copies no .css file into dist/, and a second build step (or reading the source tree, which
 * the package does not ship) would be a second way to build.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AirlockError } from '../../../../shared/src/errors.js';
import { STACK_TABLE_CSS } from './stack-table-styles.js';

/** A compiled script of browser/ (`portal.js`, `terminal.js`), as the browser receives it. */
export function readBrowserScript(name: 'portal.js' | 'terminal.js'): string {
  const url = new URL(`./browser/${name}`, import.meta.url);
  try {
    return readFileSync(url, 'utf8');
  } catch (e) {
    throw new AirlockError(
      'internal',
      'http.script_missing',
      `the portal's browser script ${fileURLToPath(url)} cannot be read: rebuild (npm run clean && npx tsc -b)`,
      { cause: e },
    );
  }
}

export const PORTAL_CSS = `
:root { --fg:#1b1f24; --muted:#5b6570; --line:#d5dae0; --bg:#f6f7f9; --accent:#0b5cad; --bad:#b00020; --warn:#8a5a00; --ok:#1d6b2f; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color:var(--fg); background:var(--bg); }
header { background:#14213d; color:#fff; padding:.6rem 1.2rem; display:flex; gap:1.2rem; align-items:center; flex-wrap:wrap; }
header a { color:#fff; text-decoration:none; } header a:hover { text-decoration:underline; }
header .brand { font-weight:700; letter-spacing:.02em; margin-right:.6rem; }
header .who { margin-left:auto; display:flex; gap:.6rem; align-items:center; }
header form { margin:0; } header button { background:transparent; color:#fff; border:1px solid #fff6; padding:.2rem .6rem; }
main { max-width:1100px; margin:1.2rem auto; padding:0 1.2rem; }
h1 { font-size:1.4rem; margin:.4rem 0 1rem; } h2 { font-size:1.1rem; margin:1.6rem 0 .6rem; }
section.card, form.card { background:#fff; border:1px solid var(--line); border-radius:6px; padding:1rem 1.2rem; margin:0 0 1rem; }
table { width:100%; border-collapse:collapse; background:#fff; border:1px solid var(--line); }
th, td { text-align:left; padding:.45rem .6rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#eef1f4; font-weight:600; font-size:.9rem; }
/* Browse depth on the OPC UA page: classes, because the CSP refuses inline style attributes. */
td.depth-1 { padding-left:1.8rem; } td.depth-2 { padding-left:3.0rem; } td.depth-3 { padding-left:4.2rem; } td.depth-4 { padding-left:5.4rem; } td.depth-5 { padding-left:6.6rem; } td.depth-6 { padding-left:7.8rem; } td.depth-7 { padding-left:9.0rem; } td.depth-8 { padding-left:10.2rem; }
label { display:block; margin:.6rem 0 .2rem; font-weight:600; }
input[type=text], input[type=password], input[type=datetime-local], input[type=time], input[type=number], select, textarea { width:100%; max-width:32rem; padding:.4rem .5rem; border:1px solid #aab3bd; border-radius:4px; font:inherit; }
textarea { min-height:4.5rem; }
.inline label { display:inline; font-weight:400; margin-right:.8rem; }
button, .button { font:inherit; padding:.45rem .9rem; border-radius:4px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; text-decoration:none; display:inline-block; }
button.secondary { background:#fff; color:var(--accent); } button.danger { background:var(--bad); border-color:var(--bad); }
.actions { display:flex; gap:.6rem; align-items:flex-end; flex-wrap:wrap; margin-top:.8rem; }
.notice { padding:.6rem .9rem; border-radius:4px; margin:0 0 1rem; border:1px solid; }
.notice.error { color:var(--bad); border-color:var(--bad); background:#fff0f2; }
.notice.ok { color:var(--ok); border-color:var(--ok); background:#eefaf0; }
.notice.alert { color:#fff; background:var(--bad); border-color:var(--bad); font-weight:600; }
.notice.alert a { color:#fff; }
.badge { display:inline-block; padding:.05rem .45rem; border-radius:3px; font-size:.8rem; font-weight:700; background:#e3e7eb; }
.badge.break-glass { background:var(--bad); color:#fff; } .badge.active { background:#d8f0dd; color:var(--ok); }
.badge.pending, .badge.scheduled { background:#fff3d6; color:var(--warn); } .badge.denied, .badge.revoked { background:#fde2e6; color:var(--bad); }
.badge.verified { background:#d8f0dd; color:var(--ok); } .badge.unverified { background:#fff3d6; color:var(--warn); } .badge.refused { background:#fde2e6; color:var(--bad); }
.badge.online { background:#d8f0dd; color:var(--ok); } .badge.offline, .badge.locked { background:#fde2e6; color:var(--bad); }
.muted { color:var(--muted); } code, pre { font-family:ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:.9rem; }
pre.codes { background:#fff; border:1px solid var(--line); padding:.8rem; }
.qr { width:220px; height:220px; border:1px solid var(--line); background:#fff; }
.grid { display:grid; grid-template-columns:repeat(auto-fit, minmax(280px, 1fr)); gap:1rem; }
${STACK_TABLE_CSS}`;

export const PORTAL_JS = readBrowserScript('portal.js');
