/**
 * The demo's ports on this host: the fixed defaults (shifted by --port-offset to run beside another
 * demo), and the local ports the portal's "Connect with" hints suggest for `ssh -L`, replaced by free
 * ones when something on this machine already holds them (so a newcomer's hint never collides).
 */
import { createServer } from 'node:net';

// The simulators stay off the local ports the portal suggests for `ssh -L` (FORWARD_HINT_PORTS).
export const BASE_PORTS = {
  https: 8443,
  ssh: 2222,
  hmi: 12022,
  plc: 16502,
  /** plc-2: a second simulated PLC, not in the policy at start (discovery finds it; loopback only). */
  plc2: 16503,
  opc: 16840,
  itsm: 18080,
  idp: 18090,
  mail: 18025,
} as const;
/** The local ports the portal's "Connect with" hints suggest (gateway-it access-pages.tsx). */
export const FORWARD_HINT_PORTS = { modbus: 15020, opcua: 14840 } as const;
export type Ports = Record<keyof typeof BASE_PORTS, number>;

/** The base ports shifted by `offset` (an integer 0..40000, else an error naming the flag). */
export function portsWithOffset(offsetText: string | undefined): Ports {
  if (offsetText === undefined) return { ...BASE_PORTS };
  const offset = Number(offsetText);
  if (!Number.isInteger(offset) || offset < 0 || offset > 40_000)
    throw new Error('--port-offset expects an integer 0..40000');
  return Object.fromEntries(Object.entries(BASE_PORTS).map(([k, v]) => [k, v + offset])) as Ports;
}

/** `port` when nothing listens on it on 127.0.0.1, else the next free one above it. */
export async function freePortFrom(port: number): Promise<number> {
  let p = port;
  while (!(await portFree(p))) p++;
  return p;
}

export async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
