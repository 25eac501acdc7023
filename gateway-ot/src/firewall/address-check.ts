/**
 * Which addresses a firewall rule of the OT gateway may name. A policy address becomes one
 * `ip daddr` match, so it must resolve to exactly one unicast address the plant can have: a
 * hostname that resolves to several addresses (or to none), loopback, unspecified, multicast,
 * broadcast and link-local addresses are refused, and so is an address outside the plant subnets
 * when the owner listed them. Hostnames are resolved the way the gateway itself resolves them
 * (getaddrinfo: /etc/hosts, then DNS), once, when the ruleset is rendered; the rule then pins that
 * address, so a later DNS answer cannot widen what the gateway reaches.
 *
 * Not guaranteed: that the address belongs to the device the policy names (no firewall can tell).
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { err, ok, type Result } from '../../../shared/src/result.js';

export type IpFamily = 4 | 6;

export interface ResolvedAddress {
  readonly address: string;
  readonly family: IpFamily;
}

/** getaddrinfo for one name: every address it answers (tests inject their own). */
export type Resolver = (host: string) => Promise<readonly ResolvedAddress[]>;

export const systemResolver: Resolver = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

const REFUSED: readonly (readonly [string, number, IpFamily, string])[] = [
  ['0.0.0.0', 8, 4, 'an unspecified address'],
  ['127.0.0.0', 8, 4, 'a loopback address'],
  ['169.254.0.0', 16, 4, 'a link-local address'],
  ['224.0.0.0', 4, 4, 'a multicast address'],
  ['255.255.255.255', 32, 4, 'the broadcast address'],
  ['::', 128, 6, 'an unspecified address'],
  ['::1', 128, 6, 'a loopback address'],
  ['fe80::', 10, 6, 'a link-local address'],
  ['ff00::', 8, 6, 'a multicast address'],
];

const refusedLists = REFUSED.map(([net, prefix, family, why]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, family === 6 ? 'ipv6' : 'ipv4');
  return { list, family, why };
});

/** Why an address may not be a firewall destination, or undefined when it may. */
export function refusedBecause(address: string, family: IpFamily): string | undefined {
  for (const r of refusedLists)
    if (r.family === family && r.list.check(address, family === 6 ? 'ipv6' : 'ipv4')) return r.why;
  // An IPv4-mapped IPv6 address would slip past every IPv4 rule above and past `ip daddr`.
  if (family === 6 && /^::ffff:/i.test(address)) return 'an IPv4-mapped IPv6 address';
  return undefined;
}

/** A parsed `a.b.c.d/n` or `x::/n`. */
export interface Subnet {
  readonly text: string;
  readonly network: string;
  readonly prefix: number;
  readonly family: IpFamily;
}

export function parseSubnet(text: string): Result<Subnet, string> {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const family = m === null ? 0 : isIP(m[1] ?? '');
  const prefix = Number(m?.[2] ?? NaN);
  if (m === null || family === 0 || prefix > (family === 6 ? 128 : 32))
    return err(`${JSON.stringify(text)} is not a subnet (a.b.c.d/n or an IPv6 prefix)`);
  return ok({ text, network: m[1] ?? '', prefix, family: family === 6 ? 6 : 4 });
}

export function isInSubnets(address: ResolvedAddress, subnets: readonly Subnet[]): boolean {
  const list = new BlockList();
  for (const s of subnets) list.addSubnet(s.network, s.prefix, s.family === 6 ? 'ipv6' : 'ipv4');
  return list.check(address.address, address.family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Resolves one policy or config address to the one address a rule may name, or says plainly why
 * not. `subnets`: empty means any unicast address; otherwise the address must lie in one of them.
 */
export async function resolveRuleAddress(
  host: string,
  subnets: readonly Subnet[],
  resolve: Resolver,
): Promise<Result<ResolvedAddress, string>> {
  let found: readonly ResolvedAddress[];
  const literal = isIP(host);
  if (literal !== 0) found = [{ address: host, family: literal === 6 ? 6 : 4 }];
  else {
    try {
      found = await resolve(host);
    } catch (e) {
      return err(
        `${host} does not resolve (${(e as NodeJS.ErrnoException).code ?? 'error'}): write its address`,
      );
    }
  }
  const distinct = [...new Map(found.map((a) => [a.address, a])).values()];
  const [only] = distinct;
  if (only === undefined) return err(`${host} resolves to no address: write its address`);
  if (distinct.length > 1)
    return err(
      `${host} resolves to ${distinct.length} addresses (${distinct.map((a) => a.address).join(', ')}): a firewall rule needs exactly one; write the address`,
    );
  const named = literal === 0 ? `${host} resolves to ${only.address}, ` : `${host} is `;
  const why = refusedBecause(only.address, only.family);
  if (why !== undefined) return err(`${named}${why}, which no plant device may have`);
  if (subnets.length > 0 && !isInSubnets(only, subnets))
    return err(`${named}outside the plant subnets (${subnets.map((s) => s.text).join(', ')})`);
  return ok(only);
}
