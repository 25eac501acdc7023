/**
 * The portal's Modbus console, IT side: the points a grant's profile lets an operator read and
 * write (as the site's catalogue publishes them), and one page action on them in one operator
 * session. It speaks Modbus TCP only through such a session's stream, to the OT broker, never to
 * a PLC: the IT side imports no plant protocol library.
 *
 * Guarantees: each action opens its own session through sessions/ (the same access check, ticket,
 * lockdown and site checks as `ssh -L`) and ends it when done; a write is reported done only when
 * the device echoed it, an exception by code and name. Not here: what may be written (the OT
 * broker decides and audits).
 */
import type { ModbusPoints } from '../../../shared/src/model/modbus-points.js';
import type { Sessions } from '../sessions/sessions.js';
import { runPointAction, type PointAction, type PointActionResult } from './portal-points.js';

export { MODBUS_TABLES, type ModbusTable } from './mbap-client.js';
export {
  pointKey,
  type PointAction,
  type PointActionResult,
  type PointTable,
  type PointValue,
  type WriteBound,
  type WriteOutcome,
} from './portal-points.js';

export interface Modbus {
  /**
   * One page action: optionally a write, then a read of every listed readable point, in one
   * session. `pointsOf` finds the published points of the profile the access check chose.
   */
  run(
    pointsOf: (profile: string) => ModbusPoints | undefined,
    action: PointAction,
  ): Promise<PointActionResult>;
}

export interface ModbusDeps {
  readonly sessions: Pick<Sessions, 'live'>;
}

export function createModbus(deps: ModbusDeps): Modbus {
  return { run: (pointsOf, action) => runPointAction(deps.sessions.live, pointsOf, action) };
}
