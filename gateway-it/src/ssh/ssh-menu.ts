/**
 * The target menu shown when the SSH user name names no asset (`ssh -p 2222 alice@gateway`): the
 * assets the user can open now, numbered, and one line read back (digits, backspace, Enter; Ctrl-C,
 * Ctrl-D or `q` leave). It is a prompt, not a shell: nothing typed is run anywhere. Assets reached
 * over Modbus or OPC UA are listed with the `ssh -L` line that reaches them.
 */
import type { ServerChannel } from 'ssh2';
import type { Clock } from '../../../shared/src/clock.js';
import type { AccessAllow } from '../access/access.js';
import { SERVICE_PORTS } from '../../../shared/src/model/asset-catalogue.js';

export interface MenuEntry {
  readonly site: string;
  readonly asset: string;
  readonly allow: AccessAllow;
  /** When the grant ends, in the site's zone (`2026-12-07 18:00 Europe/Berlin`). */
  readonly until: string;
}

const MAX_LINE = 16;

/** The menu text (CRLF, as a pty expects). */
export function menuText(entries: readonly MenuEntry[], loginUser: string, host: string): string {
  const shells = entries.filter((e) => e.allow.protocol === 'ssh');
  const others = entries.filter((e) => e.allow.protocol !== 'ssh');
  const lines: string[] = [];
  if (entries.length === 0)
    lines.push(
      'Airlock: you hold no grant that can be used now.',
      'Request access in the portal; an OT owner approves it.',
    );
  else lines.push('Airlock: assets you can open now');
  shells.forEach((e, i) =>
    lines.push(`  ${i + 1}) ${e.site}/${e.asset}  (${e.allow.profile}, until ${e.until})`),
  );
  for (const e of others) {
    lines.push(
      `  -  ${e.site}/${e.asset}  (${e.allow.protocol}): ssh -N -L <local port>:${e.asset}:${SERVICE_PORTS[e.allow.protocol]} ${loginUser}@${host}`,
    );
  }
  if (shells.length > 0)
    lines.push(
      `Next time: ssh ${loginUser}:<asset>@${host}`,
      `Choose 1-${shells.length} (q to leave): `,
    );
  return lines.join('\r\n');
}

/**
 * Shows the menu on a pty channel and resolves with the chosen SSH entry, or undefined when the
 * operator leaves, the channel closes, or nothing is chosen within `idleMs`.
 */
export function runMenu(
  channel: ServerChannel,
  entries: readonly MenuEntry[],
  opts: { loginUser: string; host: string; clock: Clock; idleMs: number },
): Promise<MenuEntry | undefined> {
  const shells = entries.filter((e) => e.allow.protocol === 'ssh');
  channel.write(menuText(entries, opts.loginUser, opts.host));
  if (shells.length === 0) {
    channel.write('\r\n');
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    let line = '';
    let done = false;
    const finish = (choice: MenuEntry | undefined, typedAhead?: Buffer): void => {
      if (done) return;
      done = true;
      timer.cancel();
      channel.off('data', onData);
      channel.off('close', onClose);
      channel.pause();
      // What was typed after Enter belongs to the session that is about to open.
      if (choice !== undefined && typedAhead !== undefined && typedAhead.length > 0)
        channel.unshift(typedAhead);
      channel.write('\r\n');
      resolve(choice);
    };
    const onClose = (): void => finish(undefined);
    const timer = opts.clock.setTimeout(() => finish(undefined), opts.idleMs);
    const onData = (data: Buffer): void => {
      for (let i = 0; i < data.length; i++) {
        const byte = data[i] as number;
        if (byte === 0x03 || byte === 0x04) return finish(undefined);
        if (byte === 0x0d || byte === 0x0a) {
          if (line === 'q') return finish(undefined);
          const n = Number.parseInt(line, 10);
          const chosen = /^\d+$/.test(line) ? shells[n - 1] : undefined;
          const rest = data.subarray(byte === 0x0d && data[i + 1] === 0x0a ? i + 2 : i + 1);
          if (chosen !== undefined) return finish(chosen, rest);
          channel.write(`\r\nno such entry: choose 1-${shells.length} (q to leave): `);
          line = '';
        } else if (byte === 0x7f || byte === 0x08) {
          if (line.length > 0) {
            line = line.slice(0, -1);
            channel.write('\b \b');
          }
        } else if (byte >= 0x20 && byte < 0x7f && line.length < MAX_LINE) {
          line += String.fromCharCode(byte);
          channel.write(String.fromCharCode(byte));
        }
      }
    };
    channel.on('data', onData);
    channel.on('close', onClose);
    // The session channel was paused until a target is known; the menu reads the choice itself.
    channel.resume();
  });
}
