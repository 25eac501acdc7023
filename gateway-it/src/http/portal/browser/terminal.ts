/**
 * The terminal pages' script, served as /static/terminal.js after xterm.js and its fit addon (all
 * classic scripts, CSP script-src 'self'). It drives three modes from data attributes on
 * `#terminal`:
 *  - open:   an operator's shell over the WebSocket in data-ws (keys and resize go up, output
 *            comes down), started with the portal's CSRF token from data-csrf;
 *  - watch:  a supervisor's read-only view over the WebSocket in data-ws;
 *  - replay: a recording (asciicast v2 fetched from data-src) replayed with its timing, with
 *            pause/resume (#pause) and speed (#speed).
 * The state is shown in `#term-status` (its text and data-state) so people and tests see the same
 * thing; the terminal is `window.airlockTerminal`. The gateway enforces everything: this script
 * only shows what it is sent.
 */

/** The states `#term-status` shows (its data-state). */
type TermState = 'connecting' | 'live' | 'refused' | 'ended' | 'playing' | 'paused' | 'done';
type ShowStatus = (state: TermState, text: string) => void;

// The JSON text frames of the terminal WebSocket, as the gateway defines them in
// http/terminal/terminal-protocol.ts (this page cannot import server code: it is a browser
// script); only the fields this page sends or reads.
type BrowserMessage =
  | { type: 'start'; csrf: string; cols: number; rows: number }
  | { type: 'watch'; csrf: string }
  | { type: 'resize'; cols: number; rows: number };
type ServerMessage =
  | {
      type: 'started';
      sessionId: string;
      site: string;
      asset: string;
      user: string;
      profile: string;
    }
  | { type: 'refused'; message: string }
  | { type: 'notice'; message: string }
  | { type: 'exit'; status: number | null; signal: string | null }
  | { type: 'ended'; reason: string };

/** An asciicast v2 event: [seconds since start, code ('o' output, 'r' resize, ...), data]. */
type CastEvent = readonly [number, ...unknown[]];

(() => {
  const el = document.getElementById('terminal');
  const statusEl = document.getElementById('term-status');
  if (el === null || statusEl === null) return;
  const mode = el.getAttribute('data-mode');
  const show: ShowStatus = (state, text) => {
    statusEl.setAttribute('data-state', state);
    statusEl.textContent = text;
  };
  const term = new Terminal({
    cursorBlink: mode === 'open',
    disableStdin: mode !== 'open',
    scrollback: 5000,
    fontSize: 14,
    convertEol: false,
  });
  const fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(el);
  fit.fit();
  window.addEventListener('resize', () => fit.fit());
  window.airlockTerminal = term;
  if (mode === 'replay') replay(el, term, show);
  else connect(el, term, mode === 'open', show);

  /** An operator's terminal (isOpen) or a supervisor's view of one, over the page's WebSocket. */
  function connect(el: HTMLElement, term: Terminal, isOpen: boolean, show: ShowStatus): void {
    const ws = new WebSocket(`wss://${location.host}${el.getAttribute('data-ws') ?? ''}`);
    ws.binaryType = 'arraybuffer';
    show('connecting', 'connecting…');
    const enc = new TextEncoder();
    const send = (m: BrowserMessage): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
    };
    ws.onopen = () => {
      const csrf = el.getAttribute('data-csrf') ?? '';
      send(
        isOpen
          ? { type: 'start', csrf, cols: term.cols, rows: term.rows }
          : { type: 'watch', csrf },
      );
    };
    let isFinished = false;
    ws.onmessage = (e: MessageEvent<ArrayBuffer | string>) => {
      if (typeof e.data !== 'string') {
        term.write(new Uint8Array(e.data));
        return;
      }
      const m = JSON.parse(e.data) as ServerMessage;
      switch (m.type) {
        case 'started':
          el.setAttribute('data-session', m.sessionId);
          show(
            'live',
            `${isOpen ? 'connected to ' : `watching ${m.user} on `}${m.site}/${m.asset} (${m.profile})`,
          );
          if (isOpen) term.focus();
          break;
        case 'refused':
          isFinished = true;
          show('refused', `refused: ${m.message}`);
          break;
        case 'notice':
          term.write(`\r\n[airlock] ${m.message}\r\n`);
          break;
        case 'exit':
          term.write(
            `\r\n[airlock] remote exited${m.status !== null ? ` with status ${m.status}` : ` on signal ${m.signal}`}\r\n`,
          );
          break;
        case 'ended':
          isFinished = true;
          show('ended', `session ended: ${m.reason}`);
          break;
        default:
          // A message this page does not know (from a newer gateway) is ignored.
          m satisfies never;
      }
    };
    ws.onclose = () => {
      if (!isFinished) show('ended', 'disconnected');
    };
    if (!isOpen) return;
    term.onData((d) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(enc.encode(d));
    });
    // Binary input (some mouse reports) comes as a string of byte values, one char per byte.
    term.onBinary((d) => {
      const b = new Uint8Array(d.length);
      for (let i = 0; i < d.length; i++) b[i] = d.charCodeAt(i) & 255;
      if (ws.readyState === WebSocket.OPEN) ws.send(b);
    });
    term.onResize((s) => send({ type: 'resize', cols: s.cols, rows: s.rows }));
  }

  /** A recording replayed with its timing; speed and pause apply from the next event on. */
  function replay(el: HTMLElement, term: Terminal, show: ShowStatus): void {
    const speedEl = document.getElementById('speed');
    const pauseEl = document.getElementById('pause');
    if (!(speedEl instanceof HTMLSelectElement) || !(pauseEl instanceof HTMLButtonElement)) return;
    const isCastEvent = (v: unknown): v is CastEvent =>
      Array.isArray(v) && typeof v[0] === 'number';
    const events: CastEvent[] = [];
    let i = 0;
    // Event time `base` (seconds into the recording) was due at clock time `t0`.
    let t0 = 0;
    let base = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let isPaused = false;
    const speed = (): number => Number(speedEl.value) || 1;
    const now = (): number => performance.now() / 1000;
    const restartFrom = (at: number): void => {
      base = at;
      t0 = now();
    };
    const schedule = (): void => {
      if (isPaused) return;
      const next = events[i];
      if (next === undefined) {
        show('done', 'finished');
        pauseEl.disabled = true;
        return;
      }
      const wait = Math.max(0, (next[0] - base) / speed() - (now() - t0));
      // At most 5 s at a time, so a speed change never waits out a long pause at the old speed.
      timer = setTimeout(step, Math.min(wait, 5) * 1000);
    };
    const step = (): void => {
      const ev = events[i];
      if (ev === undefined || (ev[0] - base) / speed() > now() - t0 + 0.001) {
        schedule();
        return;
      }
      const [, code, data] = ev;
      if (code === 'o' && typeof data === 'string') term.write(data);
      else if (code === 'r' && typeof data === 'string') {
        const size = /^(\d+)x(\d+)$/.exec(data);
        if (size !== null) term.resize(Number(size[1]), Number(size[2]));
      }
      i++;
      schedule();
    };
    pauseEl.addEventListener('click', () => {
      if (isPaused) {
        isPaused = false;
        restartFrom(events[i]?.[0] ?? base);
        pauseEl.textContent = 'Pause';
        show('playing', 'playing');
        schedule();
      } else {
        isPaused = true;
        clearTimeout(timer);
        pauseEl.textContent = 'Resume';
        show('paused', 'paused');
      }
    });
    speedEl.addEventListener('change', () => {
      if (isPaused) return;
      clearTimeout(timer);
      restartFrom(events[i]?.[0] ?? base);
      schedule();
    });

    const load = async (): Promise<void> => {
      const r = await fetch(el.getAttribute('data-src') ?? '', { credentials: 'same-origin' });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const lines = (await r.text()).split('\n');
      const header = JSON.parse(lines[0] ?? '') as {
        version?: unknown;
        width?: number;
        height?: number;
      };
      if (header.version !== 2) throw new Error('not an asciicast v2 recording');
      if (header.width && header.height) term.resize(header.width, header.height);
      for (const line of lines.slice(1)) {
        if (line === '') continue;
        let ev: unknown;
        try {
          ev = JSON.parse(line);
        } catch {
          // A torn last line (a recording cut short): play what came before it.
          break;
        }
        if (isCastEvent(ev)) events.push(ev);
      }
      el.setAttribute('data-events', String(events.length));
      show('playing', 'playing');
      restartFrom(0);
      schedule();
    };
    show('connecting', 'loading…');
    load().catch((e: unknown) =>
      show('refused', `cannot play: ${e instanceof Error ? e.message : String(e)}`),
    );
  }
})();
