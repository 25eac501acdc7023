/**
 * The `firewall` section of the OT gateway's config: who the service user is, where its IT gateway
 * is, which subnets are the plant, and who loads the rules. Absent: the gateway neither renders
 * nor loads a firewall (the demo on loopback, development).
 */
import { z } from 'zod';
import { hostSchema, portSchema } from '../../../shared/src/config/common-schemas.js';
import { parseSubnet } from './address-check.js';

export const firewallConfigSchema = z.strictObject({
  mode: z
    .enum(['apply', 'external'])
    .describe(
      "`apply`: the gateway loads the rules itself at start (it then needs CAP_NET_ADMIN). `external`: a root-owned unit loads them (`airlock-ot firewall apply`, the appliance's airlock-ot-firewall.path) and writes `rulesetFile`; the gateway checks at start that the file is the ruleset its policy gives, and audits the result either way.",
    ),
  serviceUser: z
    .union([
      z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'expected a user name'),
      z.number().int().min(0).max(0xfffffffe),
    ])
    .describe(
      'The user the gateway runs as: the only one the rules let out (name or numeric uid).',
    ),
  itGateway: z
    .strictObject({
      address: hostSchema.describe(
        'Its address, or a name resolving to one (resolved when the rules are rendered).',
      ),
      port: portSchema.describe('Its HTTPS port (the link endpoint).'),
    })
    .describe(
      'The IT gateway the link dials: its address (or a name resolving to one) and HTTPS port.',
    ),
  plantSubnets: z
    .array(
      z.string().superRefine((s, ctx) => {
        const r = parseSubnet(s);
        if (!r.ok) ctx.addIssue({ code: 'custom', message: r.error });
      }),
    )
    .default([])
    .describe('When given, every asset address must lie in one of these (a.b.c.d/n).'),
  rulesetFile: z
    .string()
    .min(1)
    .default('/etc/airlock/nftables-ot.nft')
    .describe(
      'Where `firewall apply` writes the loaded ruleset (the boot-time hook loads it from there).',
    ),
  nft: z.string().min(1).default('/usr/sbin/nft').describe('The nft program that loads the rules.'),
});

export type FirewallConfig = z.output<typeof firewallConfigSchema>;
