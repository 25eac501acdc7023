/**
 * The OPC UA points page: what the broker shows the user (objects, variables with value, data
 * type and read status, methods), a write form per writable variable, and the answer of the last
 * write by status code name. A refused write is shown as refused, with the value read back.
 */
import type { OpcuaPoint, WriteOutcome } from '../../opcua/opcua.js';
import { Csrf } from './layout.js';

export interface WriteShown {
  readonly path: string;
  readonly attempted: string;
  readonly outcome: WriteOutcome;
}

export function writeMessage(w: WriteShown): string {
  if (w.outcome.status === 'Good')
    return `Written: ${w.path} = ${w.attempted} (Good). Read back: ${w.outcome.readBack}.`;
  const refused =
    w.outcome.status === 'BadUserAccessDenied'
      ? ' The OT gateway refused it under your profile; nothing reached the plant.'
      : '';
  return `Write of ${w.attempted} to ${w.path} NOT done: ${w.outcome.status}.${refused} Current value: ${w.outcome.readBack}.`;
}

export function OpcuaPointsPage(props: {
  site: string;
  asset: string;
  points: readonly OpcuaPoint[];
  csrf: string | null;
}) {
  const action = `/assets/${props.site}/${props.asset}/opcua/write`;
  return (
    <section class="card">
      <p>
        What your grant's profile shows on {props.site}/{props.asset}, read now through the OT
        gateway. Each page load and each write is one audited session that ends with the request.
      </p>
      {props.points.length === 0 ? (
        <p class="notice">Your profile shows no nodes under Objects.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Node</th>
              <th>Class</th>
              <th>Data type</th>
              <th>Value</th>
              <th>Write</th>
            </tr>
          </thead>
          <tbody>
            {props.points.map((p) => (
              <tr data-node={p.identifier}>
                <td
                  class={p.depth > 0 ? `depth-${Math.min(p.depth, 8)}` : undefined}
                  title={`nsu=${p.namespaceUri};${p.identifier}`}
                >
                  {p.path.split('/').pop()}
                </td>
                <td>{p.kind}</td>
                <td>{p.dataType ?? ''}</td>
                <td class="value">
                  {p.kind !== 'Variable' ? '' : p.value !== undefined ? p.value : p.status}
                </td>
                <td>
                  {p.writable && p.dataType !== undefined && (
                    <form method="post" action={action}>
                      <Csrf token={props.csrf} />
                      <input type="hidden" name="namespace" value={p.namespaceUri} />
                      <input type="hidden" name="node" value={p.identifier} />
                      <input type="hidden" name="dataType" value={p.dataType} />
                      <input
                        type="text"
                        name="value"
                        required
                        aria-label={`new value for ${p.path}`}
                        placeholder={p.dataType}
                      />
                      <button type="submit">Write</button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
