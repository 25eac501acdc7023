/** Builds the secret-free catalogue (shared/src/model/asset-catalogue.ts) from the local policy. */
import { SERVICE_PORTS, type CatalogueAsset } from '../../../shared/src/model/asset-catalogue.js';
import type { ModbusPoints } from '../../../shared/src/model/modbus-points.js';
import type { ModbusProfile } from '../protocols/modbus/modbus-policy.js';
import type { AssetPolicy, LocalPolicy } from './local-policy.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';

/** What a Modbus profile may touch, for the operator (no address of the PLC, no rate limit). */
export function modbusPoints(p: ModbusProfile): ModbusPoints {
  const span = (r: { from: number; to: number }): { from: number; to: number } => ({
    from: r.from,
    to: r.to,
  });
  const t = p.tables;
  return {
    unitIds: [...p.unitIds],
    functions: [...p.functions],
    tables: {
      ...(t.coils === undefined
        ? {}
        : {
            coils: {
              read: t.coils.read.map(span),
              write: t.coils.write.map((w) => ({
                ...span(w),
                ...omitUndefined({ value: w.value }),
              })),
            },
          }),
      ...(t.discreteInputs === undefined
        ? {}
        : { discreteInputs: { read: t.discreteInputs.read.map(span) } }),
      ...(t.inputRegisters === undefined
        ? {}
        : { inputRegisters: { read: t.inputRegisters.read.map(span) } }),
      ...(t.holdingRegisters === undefined
        ? {}
        : {
            holdingRegisters: {
              read: t.holdingRegisters.read.map(span),
              write: t.holdingRegisters.write.map((w) => ({
                ...span(w),
                min: w.min,
                max: w.max,
                signed: w.signed,
              })),
            },
          }),
    },
  };
}

function profilesOf(a: AssetPolicy): CatalogueAsset['profiles'] {
  const entries: CatalogueAsset['profiles'] =
    a.protocol === 'modbus'
      ? Object.entries(a.profiles).map(([p, prof]) => ({
          name: p,
          description: prof.description ?? '',
          modbus: modbusPoints(prof),
        }))
      : Object.entries(a.profiles).map(([p, prof]) => ({
          name: p,
          description: prof.description ?? '',
        }));
  return entries.sort((x, y) => x.name.localeCompare(y.name));
}

export function catalogueEntry(name: string, a: AssetPolicy): CatalogueAsset {
  return {
    name,
    protocol: a.protocol,
    description: a.description ?? '',
    address: a.address,
    servicePort: SERVICE_PORTS[a.protocol],
    profiles: profilesOf(a),
  };
}

export function buildCatalogue(policy: LocalPolicy): CatalogueAsset[] {
  return Object.entries(policy.assets)
    .map(([name, a]) => catalogueEntry(name, a))
    .sort((x, y) => x.name.localeCompare(y.name));
}
