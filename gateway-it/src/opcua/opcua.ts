/**
 * The portal's OPC UA console, IT side: for one HTTP request it opens an operator session to an
 * OPC UA asset through sessions/, bridges a node-opcua client to that session's stream, and
 * browses, reads and writes as the grant's user. It talks only to the OT broker through the
 * session, never to the plant's server (node-opcua is allowed here for that reason alone).
 *
 * Guarantees: see opcua-points.ts (the session ends when the request's work is done, on error or
 * on timeout, and with the grant; a write's answer is the broker's status code). The client keeps
 * its own PKI under `<dataDir>/opcua-portal-pki`. Not here: what is visible or writable (the
 * broker decides and audits).
 */
import { join } from 'node:path';
import type { Logger } from '../../../shared/src/log.js';
import type { ItConfig } from '../config/config.js';
import type { Sessions } from '../sessions/sessions.js';
import { OpcuaPoints } from './opcua-points.js';

export type { OpcuaPoint, OpcuaPoints, PointRequest, WriteOutcome } from './opcua-points.js';
export { parsePointWrite, type PointWrite } from './opcua-write-value.js';

export interface OpcuaDeps {
  readonly sessions: Pick<Sessions, 'live'>;
  /** The client keeps its PKI under `<dataDir>/opcua-portal-pki`. */
  readonly config: Pick<ItConfig, 'dataDir'>;
  readonly log: Logger;
}

export function createOpcua(deps: OpcuaDeps): OpcuaPoints {
  return new OpcuaPoints({
    sessions: deps.sessions.live,
    pkiDir: join(deps.config.dataDir, 'opcua-portal-pki'),
    log: deps.log.child({ component: 'opcua-portal' }),
  });
}
