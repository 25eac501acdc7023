/**
 * The simulators are test and demo peers with demo passwords: they listen on loopback only. This
 * is the one check every start function and the plant command use, so a typo in a demo config
 * cannot put a fake PLC with a known password on the plant network.
 */
import { AirlockError } from '../../../shared/src/errors.js';

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host);
}

/** Returns the address to bind: `localhost` becomes 127.0.0.1 so endpoint URLs are unambiguous. */
export function loopbackAddress(host: string | undefined): string {
  const chosen = host ?? '127.0.0.1';
  if (!isLoopbackHost(chosen)) {
    throw new AirlockError(
      'bad_request',
      'sim.host_not_loopback',
      `simulators listen on loopback only (127.0.0.1, localhost or ::1), not ${chosen}`,
    );
  }
  return chosen === 'localhost' ? '127.0.0.1' : chosen;
}
