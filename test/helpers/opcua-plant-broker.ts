/**
 * The OPC UA broker on its own for integration tests, without either gateway: a temp dir, the
 * simulated plant server (image/demo/plant/opcua-server.ts, account `gw-opc`), the SHA-256 of its
 * certificate as onboarding records it, a real test vault holding the plant password, and one
 * broker (optionally with a profile learning service built once the plant is up). `forward()`
 * puts a forwarder in front of a broker (this one by default) whose events land in one shared
 * list. `close()` stops forwarders, broker, vault and plant and removes the temp dir; a start
 * that fails part way closes what it had started.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createOpcuaBroker,
  type OpcuaBroker,
} from '../../gateway-ot/src/protocols/opcua/opcua-broker.js';
import type { ProtocolBroker } from '../../gateway-ot/src/sessions/protocol-broker.js';
import type { ProfileLearning } from '../../gateway-ot/src/sessions/sessions.js';
import type { Vault } from '../../gateway-ot/src/vault/credential-vault.js';
import { startOpcuaServer, type OpcuaSimServer } from '../../image/demo/plant/opcua-server.js';
import {
  fetchServerCertificateSha256,
  openTestVault,
  startForwarder,
  type Forwarder,
  type ForwarderOptions,
  type RecordedEvent,
} from './opcua-broker-harness.js';

/** The broker's account on the plant server and its password (held in the test vault). */
export const PLANT_USERS = { 'gw-opc': 'plant-secret' };

export interface StartedPlant {
  readonly dir: string;
  readonly plant: OpcuaSimServer;
  readonly certificateSha256: string;
}

export interface PlantBroker extends StartedPlant {
  readonly broker: OpcuaBroker;
  readonly vault: Vault;
  /** Every forwarded session's audit events, in order. */
  readonly events: RecordedEvent[];
  forward(
    options: Omit<ForwarderOptions, 'broker' | 'events'> & { readonly broker?: ProtocolBroker },
  ): Promise<Forwarder>;
  close(): Promise<void>;
}

export interface PlantBrokerOptions {
  /** The temp dir's name prefix (`airlock-opcua-broker-`). */
  readonly tempPrefix: string;
  /** The broker's learning service, built once the plant runs (a policy file names its port). */
  readonly learning?: (started: StartedPlant) => ProfileLearning;
}

export async function startPlantBroker(options: PlantBrokerOptions): Promise<PlantBroker> {
  const dir = mkdtempSync(join(tmpdir(), options.tempPrefix));
  const forwarders: Forwarder[] = [];
  let plant: OpcuaSimServer | undefined;
  let vault: Awaited<ReturnType<typeof openTestVault>> | undefined;
  let broker: OpcuaBroker | undefined;
  const close = async (): Promise<void> => {
    for (const f of forwarders) await f.close();
    await broker?.close();
    vault?.close();
    await plant?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    plant = await startOpcuaServer({
      dataDir: join(dir, 'plant'),
      users: PLANT_USERS,
      updateIntervalMs: 0,
    });
    const certificateSha256 = await fetchServerCertificateSha256(
      plant.endpointUrl,
      join(dir, 'onboarding'),
    );
    const started: StartedPlant = { dir, plant, certificateSha256 };
    const learning = options.learning?.(started);
    vault = await openTestVault([
      { asset: 'opc-1', account: 'gw-opc', password: PLANT_USERS['gw-opc'] },
    ]);
    const created = createOpcuaBroker({
      pkiDir: join(dir, 'ot-pki'),
      credentials: vault.vault,
      ...(learning === undefined ? {} : { learning }),
    });
    broker = created;
    const events: RecordedEvent[] = [];
    return {
      ...started,
      broker: created,
      vault: vault.vault,
      events,
      async forward(o) {
        const f = await startForwarder({ broker: created, ...o, events });
        forwarders.push(f);
        return f;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
