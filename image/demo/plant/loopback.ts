/**
 * The simulators are test and demo peers with demo passwords: they listen on loopback only, or on
 * an address of a network namespace of their own (the zoned demo and the zone tests put the plant
 * in one, reachable only through the OT gateway's zone). This is the one check every start function
 * and the plant command use, so a typo in a demo config cannot put a fake PLC with a known password
 * on the host's network: in the host's own namespace every non-loopback address is refused.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isIP } from 'node:net';
import { AirlockError } from '../../../shared/src/errors.js';

const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host);
}

/**
 * True when this process runs in a named network namespace (one `ip netns add` made, pinned under
 * /run/netns/), never the host's own. Unknowable counts as the host's.
 */
export function isInOwnNetworkNamespace(): boolean {
  try {
    const self = statSync('/proc/self/ns/net');
    return readdirSync('/run/netns').some((name) => {
      const ns = statSync(join('/run/netns', name));
      return ns.ino === self.ino && ns.dev === self.dev;
    });
  } catch {
    return false;
  }
}

/** Loopback, or one unicast address when the process is inside a namespace of its own. */
export function isAllowedSimHost(host: string): boolean {
  if (isLoopbackHost(host)) return true;
  return isIP(host) !== 0 && host !== '0.0.0.0' && host !== '::' && isInOwnNetworkNamespace();
}

/** Returns the address to bind: `localhost` becomes 127.0.0.1 so endpoint URLs are unambiguous. */
export function loopbackAddress(host: string | undefined): string {
  const chosen = host ?? '127.0.0.1';
  if (!isAllowedSimHost(chosen)) {
    throw new AirlockError(
      'bad_request',
      'sim.host_not_loopback',
      `simulators listen on loopback only (127.0.0.1, localhost or ::1), not ${chosen} (another address only inside a network namespace of their own)`,
    );
  }
  return chosen === 'localhost' ? '127.0.0.1' : chosen;
}
