/**
 * The probe scope of the local policy (`discovery`): which plant subnets and ports the OT gateway
 * may probe, with which protocol, whether Modbus device identification (FC 43/14) may be sent, and
 * how fast. Absent: nothing is probed. A subnet is IPv4 CIDR of at most 1024 addresses (/22), so a
 * typo cannot turn a scan of one cell into a sweep of the plant.
 */
import { z } from 'zod';

/** The largest subnet a scope may list (a /22: 1024 addresses). */
export const MIN_PREFIX = 22;

export interface Cidr {
  readonly text: string;
  readonly base: number;
  readonly prefix: number;
}

export function ipv4ToInt(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (m === null) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return parts.reduce((a, p) => a * 256 + p, 0);
}

export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, len, ...rest] = text.split('/');
  if (addr === undefined || len === undefined || rest.length > 0 || !/^\d{1,2}$/.test(len))
    return undefined;
  const base = ipv4ToInt(addr);
  const prefix = Number(len);
  if (base === undefined || prefix > 32) return undefined;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  if ((base & mask) >>> 0 !== base) return undefined;
  return { text, base, prefix };
}

/** The host addresses of a subnet: all of a /31 or /32, else without network and broadcast. */
export function hostsOf(c: Cidr): string[] {
  const size = 2 ** (32 - c.prefix);
  const [from, to] = size <= 2 ? [0, size] : [1, size - 1];
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(intToIpv4(c.base + i));
  return out;
}

export function cidrContains(c: Cidr, address: string): boolean {
  const n = ipv4ToInt(address);
  return n !== undefined && n >= c.base && n < c.base + 2 ** (32 - c.prefix);
}

const cidrSchema = z.string().superRefine((s, ctx) => {
  const c = parseCidr(s);
  if (c === undefined)
    ctx.addIssue({
      code: 'custom',
      message: 'expected IPv4 CIDR with the host bits zero (e.g. 10.20.1.0/24)',
    });
  else if (c.prefix < MIN_PREFIX)
    ctx.addIssue({
      code: 'custom',
      message: `a probe subnet may hold at most 1024 addresses (/${MIN_PREFIX} or longer)`,
    });
});

const portList = z
  .array(z.number().int().min(1).max(65535))
  .max(16)
  .refine((l) => new Set(l).size === l.length, { message: 'a port is listed twice' })
  .default([]);

export const discoveryScopeSchema = z
  .strictObject({
    subnets: z.array(cidrSchema).min(1).max(16),
    /** The ports probed on every host of every subnet, each with the protocol it is probed as. */
    ports: z
      .strictObject({ ssh: portList, modbus: portList, opcua: portList })
      .refine((p) => p.ssh.length + p.modbus.length + p.opcua.length > 0, {
        message: 'list at least one port to probe',
      })
      .refine(
        (p) =>
          new Set([...p.ssh, ...p.modbus, ...p.opcua]).size ===
          p.ssh.length + p.modbus.length + p.opcua.length,
        { message: 'a port is listed for two protocols' },
      ),
    modbus: z
      .strictObject({
        /** Unit ids asked (FC 3, one register at address 0) on each Modbus port. */
        unitIds: z.array(z.number().int().min(0).max(255)).min(1).max(32).default([1]),
        /** Whether FC 43/14 (read device identification) may be sent to the unit ids that answered. */
        deviceIdentification: z.boolean().default(false),
      })
      .prefault({}),
    rate: z
      .strictObject({
        /** Probes started per second at most (each is one host:port). */
        probesPerSecond: z.number().min(0.1).max(100).default(5),
        /** Probes in flight at most. */
        concurrency: z.number().int().min(1).max(16).default(4),
        /** A probe that has not finished this long after its connect is given up (silent). */
        timeoutMs: z.number().int().min(100).max(30_000).default(3000),
      })
      .prefault({}),
  })
  .optional();

export type DiscoveryScope = NonNullable<z.output<typeof discoveryScopeSchema>>;

/** Whether every address of `inner` is in `outer`. */
export function isCidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix >= outer.prefix && cidrContains(outer, intToIpv4(inner.base));
}
