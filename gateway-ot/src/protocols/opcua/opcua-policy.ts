/**
 * OPC UA assets and access profiles in the OT local policy. Rules name nodes by namespace URI and
 * identifier, never by namespace index (indexes change when a server is reconfigured).
 */
import { z } from 'zod';

export const opcuaProfileSchema = z.strictObject({
  description: z.string().max(200).optional(),
  /** Namespace URI whose nodes this profile may see. */
  namespaceUri: z.string().min(1).max(512),
});

export const opcuaAssetSchema = z.strictObject({
  protocol: z.literal('opcua'),
  description: z.string().max(200).optional(),
  address: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535).default(4840),
  /** The account the gateway logs in as; its secret is in the vault. */
  username: z.string().min(1).max(64).optional(),
  profiles: z.record(z.string(), opcuaProfileSchema),
});

export type OpcuaAssetPolicy = z.output<typeof opcuaAssetSchema>;
export type OpcuaProfile = z.output<typeof opcuaProfileSchema>;
