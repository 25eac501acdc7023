/**
 * The terminal pages' files, served by the gateway itself (no CDN): xterm.js and its fit addon
 * read once from the installed packages (@xterm/xterm, @xterm/addon-fit), and the portal's own
 * terminal script below. The script drives three modes from data attributes on `#terminal`:
 *  - open:   an operator's shell over /terminal/v1/open (keys and resize go up, output comes down);
 *  - watch:  a supervisor's read-only view over /terminal/v1/watch;
 *  - replay: a recording (asciicast v2 fetched from data-src) replayed with its timing, with
 *            pause/resume and speed.
 * The state is shown in `#term-status` (text and a data-state attribute: connecting, live,
 * refused, ended, playing, paused, done) so people and tests see the same thing.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

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

export const TERMINAL_JS = `
'use strict';
(function () {
  var el = document.getElementById('terminal');
  if (!el) return;
  var mode = el.getAttribute('data-mode');
  var statusEl = document.getElementById('term-status');
  function status(state, text) { statusEl.setAttribute('data-state', state); statusEl.textContent = text; }
  var term = new Terminal({ cursorBlink: mode === 'open', disableStdin: mode !== 'open', scrollback: 5000, fontSize: 14, convertEol: false });
  var fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(el);
  fit.fit();
  window.addEventListener('resize', function () { fit.fit(); });
  window.airlockTerminal = term;
  if (mode === 'replay') return replay();

  var ws = new WebSocket('wss://' + location.host + el.getAttribute('data-ws'));
  ws.binaryType = 'arraybuffer';
  status('connecting', 'connecting…');
  var enc = new TextEncoder();
  function send(o) { if (ws.readyState === 1) ws.send(JSON.stringify(o)); }
  ws.onopen = function () {
    var csrf = el.getAttribute('data-csrf');
    send(mode === 'open' ? { type: 'start', csrf: csrf, cols: term.cols, rows: term.rows } : { type: 'watch', csrf: csrf });
  };
  var finished = false;
  ws.onmessage = function (e) {
    if (typeof e.data !== 'string') { term.write(new Uint8Array(e.data)); return; }
    var m = JSON.parse(e.data);
    if (m.type === 'started') { el.setAttribute('data-session', m.sessionId); status('live', (mode === 'open' ? 'connected to ' : 'watching ' + m.user + ' on ') + m.site + '/' + m.asset + ' (' + m.profile + ')'); if (mode === 'open') term.focus(); }
    else if (m.type === 'refused') { finished = true; status('refused', 'refused: ' + m.message); }
    else if (m.type === 'notice') { term.write('\\r\\n[airlock] ' + m.message + '\\r\\n'); }
    else if (m.type === 'exit') { term.write('\\r\\n[airlock] remote exited' + (m.status !== null ? ' with status ' + m.status : ' on signal ' + m.signal) + '\\r\\n'); }
    else if (m.type === 'ended') { finished = true; status('ended', 'session ended: ' + m.reason); }
  };
  ws.onclose = function () { if (!finished) status('ended', 'disconnected'); };
  if (mode === 'open') {
    term.onData(function (d) { if (ws.readyState === 1) ws.send(enc.encode(d)); });
    term.onBinary(function (d) {
      var b = new Uint8Array(d.length);
      for (var i = 0; i < d.length; i++) b[i] = d.charCodeAt(i) & 255;
      if (ws.readyState === 1) ws.send(b);
    });
    term.onResize(function (s) { send({ type: 'resize', cols: s.cols, rows: s.rows }); });
  }

  function replay() {
    var speedEl = document.getElementById('speed');
    var pauseEl = document.getElementById('pause');
    var events = [];
    var i = 0, t0 = 0, base = 0, timer = null, paused = false;
    function speed() { return Number(speedEl.value) || 1; }
    function now() { return performance.now() / 1000; }
    function schedule() {
      if (paused) return;
      if (i >= events.length) { status('done', 'finished'); pauseEl.disabled = true; return; }
      var wait = Math.max(0, (events[i][0] - base) / speed() - (now() - t0));
      timer = setTimeout(step, Math.min(wait, 5) * 1000);
    }
    function step() {
      var ev = events[i];
      if ((ev[0] - base) / speed() > now() - t0 + 0.001) { schedule(); return; }
      if (ev[1] === 'o') term.write(ev[2]);
      else if (ev[1] === 'r') { var p = /^(\\d+)x(\\d+)$/.exec(ev[2]); if (p) term.resize(Number(p[1]), Number(p[2])); }
      i++;
      schedule();
    }
    function restartFrom(at) { base = at; t0 = now(); }
    pauseEl.addEventListener('click', function () {
      if (paused) { paused = false; restartFrom(i < events.length ? events[i][0] : base); pauseEl.textContent = 'Pause'; status('playing', 'playing'); schedule(); }
      else { paused = true; clearTimeout(timer); pauseEl.textContent = 'Resume'; status('paused', 'paused'); }
    });
    speedEl.addEventListener('change', function () { if (!paused) { clearTimeout(timer); restartFrom(i < events.length ? events[i][0] : base); schedule(); } });
    status('connecting', 'loading…');
    fetch(el.getAttribute('data-src'), { credentials: 'same-origin' }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.text();
    }).then(function (text) {
      var lines = text.split('\\n');
      var header = JSON.parse(lines[0]);
      if (header.version !== 2) throw new Error('not an asciicast v2 recording');
      if (header.width && header.height) term.resize(header.width, header.height);
      for (var k = 1; k < lines.length; k++) {
        if (lines[k] === '') continue;
        try { var ev = JSON.parse(lines[k]); if (Array.isArray(ev) && typeof ev[0] === 'number') events.push(ev); } catch (e) { break; }
      }
      el.setAttribute('data-events', String(events.length));
      status('playing', 'playing');
      restartFrom(0);
      schedule();
    }).catch(function (e) { status('refused', 'cannot play: ' + e.message); });
  }
})();
`;
