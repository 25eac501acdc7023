/** The Modbus points page: what the profile allows, the values just read, a write form per writable point. */
import {
  type PointActionResult,
  type PointTable,
  type WriteBound,
  type WriteOutcome,
  pointKey,
  type ModbusTable,
} from '../../modbus/modbus.js';
import { Csrf } from './layout.js';

const TABLE_NAMES: Record<ModbusTable, string> = {
  coils: 'Coils',
  discreteInputs: 'Discrete inputs',
  inputRegisters: 'Input registers',
  holdingRegisters: 'Holding registers',
};
const PREFIX: Record<ModbusTable, { tag: string; base: number }> = {
  coils: { tag: 'CO', base: 0 },
  discreteInputs: { tag: 'DI', base: 100000 },
  inputRegisters: { tag: 'IR', base: 300000 },
  holdingRegisters: { tag: 'HR', base: 400000 },
};

/** Modicon form as the OT audit writes it: `HR 40001` for address 0, six digits above 9998. */
export function modicon(table: ModbusTable, address: number): string {
  const { tag, base } = PREFIX[table];
  const n = address + 1;
  const text =
    n <= 9999 ? String(base / 10 + n).padStart(5, '0') : String(base + n).padStart(6, '0');
  return `${tag} ${text}`;
}

const show = (v: number, bound: WriteBound | undefined, bits: boolean): string =>
  bits
    ? v === 1
      ? '1 (on)'
      : '0 (off)'
    : bound?.signed === true && v > 32767
      ? String(v - 65536)
      : String(v);

function boundText(table: ModbusTable, b: WriteBound): string {
  if (table === 'coils')
    return b.only === undefined ? '0 or 1' : `only ${b.only} (${b.only === 1 ? 'on' : 'off'})`;
  return `${b.min}..${b.max}${b.signed ? ' (signed)' : ''}`;
}

function WriteResult(props: { w: WriteOutcome; tables: readonly PointTable[] }) {
  const { w } = props;
  const where = modicon(w.table, w.address);
  // Signed registers: the wire value back in the form the operator typed.
  const bound = props.tables
    .find((t) => t.table === w.table)
    ?.points.find((p) => p.address === w.address)?.write;
  const value =
    w.table === 'holdingRegisters' && bound?.signed === true && w.value > 32767
      ? w.value - 65536
      : w.value;
  if (w.exception !== undefined) {
    return (
      <p class="notice error">
        Write refused: {where} = {value} was not written; exception {w.exception.text}.
      </p>
    );
  }
  return (
    <p class="notice ok">
      Written: {where} = {value}, confirmed by the device.
    </p>
  );
}

function Table(props: { t: PointTable; r: PointActionResult; base: string; csrf: string | null }) {
  const bits = props.t.table === 'coils' || props.t.table === 'discreteInputs';
  return (
    <>
      <h3>{TABLE_NAMES[props.t.table]}</h3>
      <table>
        <thead>
          <tr>
            <th>Point</th>
            <th>Address</th>
            <th>Value</th>
            <th>Write</th>
          </tr>
        </thead>
        <tbody>
          {props.t.points.map((p) => {
            const v = props.r.values.get(pointKey(p.table, p.address));
            return (
              <tr>
                <td>{modicon(p.table, p.address)}</td>
                <td>{p.address}</td>
                <td>
                  {!p.readable ? (
                    <span class="muted">not readable</span>
                  ) : v === undefined ? (
                    ''
                  ) : v.ok ? (
                    show(v.value, p.write, bits)
                  ) : (
                    <span class="error">exception {v.exception.text}</span>
                  )}
                </td>
                <td>
                  {p.write === undefined ||
                  (p.table !== 'coils' && p.table !== 'holdingRegisters') ? (
                    <span class="muted">read only</span>
                  ) : (
                    <form method="post" action={props.base}>
                      <Csrf token={props.csrf} />
                      <input type="hidden" name="unit" value={String(props.r.unit)} />
                      <input type="hidden" name="table" value={p.table} />
                      <input type="hidden" name="address" value={String(p.address)} />
                      <input
                        name="value"
                        size={7}
                        required
                        aria-label={`new value of ${modicon(p.table, p.address)}`}
                      />{' '}
                      <button type="submit">Write</button>{' '}
                      <span class="muted">{boundText(p.table, p.write)}</span>
                    </form>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {props.t.truncated && (
        <p class="muted">
          The profile allows more points; the first {props.t.points.length} are shown.
        </p>
      )}
    </>
  );
}

export function PointsPage(props: {
  site: string;
  asset: string;
  r: PointActionResult;
  csrf: string | null;
}) {
  const base = `/assets/${props.site}/${props.asset}/points`;
  const { r } = props;
  return (
    <>
      {r.write !== undefined && <WriteResult w={r.write} tables={r.tables} />}
      <p>
        Profile <strong>{r.profile}</strong>, unit {r.unit}
        {r.points.unitIds.length > 1 && (
          <>
            {' '}
            (other units:{' '}
            {r.points.unitIds
              .filter((u) => u !== r.unit)
              .map((u) => (
                <>
                  <a href={`${base}?unit=${u}`}>{u}</a>{' '}
                </>
              ))}
            )
          </>
        )}
        ; functions allowed: {r.points.functions.join(', ') || 'none'}. Values were read just now,
        in a session that has ended; every write is checked and audited by the site's gateway.{' '}
        <a href={base}>Read again</a>.
      </p>
      {r.tables.length === 0 ? (
        <p class="muted">This profile allows no points in the four tables.</p>
      ) : (
        r.tables.map((t) => <Table t={t} r={r} base={base} csrf={props.csrf} />)
      )}
    </>
  );
}
