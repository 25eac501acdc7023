/**
 * What a discovery probe of the OT gateway can report about one host:port (docs/policy.md,
 * "Discover"). A `found` outcome is a service that spoke its protocol correctly; `garbage` is a
 * port that answered something else (kept as what was seen, never proposed as an asset); `silent`
 * is a port that refused, reset or did not answer in time. Shared so the IT side can parse what
 * the OT side publishes; nothing here is a secret (host keys and certificates are public).
 */
import { z } from 'zod';

export const DISCOVERY_PROTOCOLS = ['ssh', 'modbus', 'opcua'] as const;
export type DiscoveryProtocol = (typeof DISCOVERY_PROTOCOLS)[number];

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const sshFindingSchema = z.strictObject({
  protocol: z.literal('ssh'),
  /** The server's identification line (`SSH-2.0-OpenSSH_9.2p1 ...`), as sent. */
  banner: z.string().max(255),
  /** The host key as an OpenSSH public key line (`ssh-ed25519 AAAA...`): what onboarding pins. */
  hostKey: z.string().max(4096),
  /** OpenSSH SHA-256 fingerprint of the host key (`SHA256:...`). */
  fingerprint: z.string().max(64),
});

export const modbusFindingSchema = z.strictObject({
  protocol: z.literal('modbus'),
  /** Unit ids that answered the harmless read (a value or an exception response). */
  unitIds: z.array(z.number().int().min(0).max(255)).max(256),
  /** FC 43/14 basic device identification per unit id, where the scope allows it and it answered. */
  deviceIdentification: z.record(z.string(), z.record(z.string(), z.string().max(255))).optional(),
});

export const opcuaEndpointSchema = z.strictObject({
  endpointUrl: z.string().max(1024),
  securityMode: z.string().max(32),
  securityPolicyUri: z.string().max(256),
});

export const opcuaFindingSchema = z.strictObject({
  protocol: z.literal('opcua'),
  endpoints: z.array(opcuaEndpointSchema).max(64),
  /** SHA-256 (hex) of the server certificate (DER): what onboarding pins. Absent: none sent. */
  certificateSha256: hex64.optional(),
  applicationUri: z.string().max(1024).optional(),
});

export const findingSchema = z.discriminatedUnion('protocol', [
  sshFindingSchema,
  modbusFindingSchema,
  opcuaFindingSchema,
]);
export type Finding = z.output<typeof findingSchema>;

export type ProbeOutcome =
  | { readonly kind: 'found'; readonly finding: Finding }
  /** It answered, but not as the protocol it was probed for: `seen` is a printable excerpt. */
  | { readonly kind: 'garbage'; readonly seen: string; readonly reason: string }
  | { readonly kind: 'silent'; readonly reason: 'refused' | 'timeout' | 'closed' | 'unreachable' };

export interface ProbeTarget {
  readonly address: string;
  readonly port: number;
}

export interface ProbeOptions {
  readonly timeoutMs: number;
  /** Modbus only: the unit ids to try, and whether FC 43/14 may be sent. */
  readonly modbusUnitIds: readonly number[];
  readonly modbusDeviceIdentification: boolean;
}

/** One protocol's probe: never throws; a probe holds at most one connection, closed on return. */
export type ProtocolProbe = (target: ProbeTarget, options: ProbeOptions) => Promise<ProbeOutcome>;

/** Bytes as a short printable excerpt (for garbage): printable ASCII kept, the rest as \xNN. */
export function printableExcerpt(bytes: Uint8Array, max = 64): string {
  let out = '';
  for (const b of bytes.subarray(0, max))
    out +=
      b >= 0x20 && b < 0x7f && b !== 0x5c
        ? String.fromCharCode(b)
        : `\\x${b.toString(16).padStart(2, '0')}`;
  return bytes.length > max ? `${out}...` : out;
}

/** A proposal as published to the IT side and shown on the portal (read-only). */
export const publishedProposalSchema = z.strictObject({
  id: z.string().min(1).max(64),
  protocol: z.enum(DISCOVERY_PROTOCOLS),
  address: z.string().max(253),
  port: z.number().int().min(1).max(65535),
  state: z.enum(['proposed', 'garbage', 'onboarded']),
  foundAt: z.number().int().nonnegative(),
  /** The clean finding (proposed, onboarded) or what was seen (garbage). */
  finding: findingSchema.optional(),
  seen: z.string().max(512).optional(),
  asset: z.string().max(63).optional(),
});
export type PublishedProposal = z.output<typeof publishedProposalSchema>;
