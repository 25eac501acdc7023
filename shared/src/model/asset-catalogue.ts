/**
 * The asset catalogue an OT gateway publishes to the IT side: what exists at the site and which
 * access profiles it offers. It carries no secret (no accounts, host keys or credentials) and no
 * rule detail beyond what an operator must see: the IT side needs names to request and approve,
 * never the means to reach an asset. A Modbus profile also lists the points it may read and write
 * (`modbus`, modbus-points.ts) for the portal's points page; the OT broker enforces its own policy.
 * `servicePort` is the protocol's well-known port an operator names in `ssh -L local:asset:port`.
 */
import { z } from 'zod';
import { modbusPointsSchema } from './modbus-points.js';
import { nameSchema, PROTOCOLS } from './session-ticket.js';

export const catalogueAssetSchema = z.strictObject({
  name: nameSchema,
  protocol: z.enum(PROTOCOLS),
  description: z.string().max(200),
  address: z.string().min(1).max(253),
  servicePort: z.number().int().min(1).max(65535),
  profiles: z
    .array(
      z.strictObject({
        name: nameSchema,
        description: z.string().max(200),
        modbus: modbusPointsSchema.optional(),
      }),
    )
    .min(1)
    .max(64),
});

export const assetCatalogueSchema = z.array(catalogueAssetSchema).max(10_000);

export type CatalogueAsset = z.output<typeof catalogueAssetSchema>;

export const SERVICE_PORTS = { ssh: 22, modbus: 502, opcua: 4840 } as const;
