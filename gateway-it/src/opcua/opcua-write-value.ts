/**
 * The portal's OPC UA write form, parsed at the HTTP boundary into a typed value: the node (its
 * namespace URI and identifier, so it survives the next session's namespace indexes), the data
 * type the page showed, and the text parsed as that type (integers in the type's range, finite
 * numbers, `true`/`false`, strings up to 65,535 characters). Bad input is a Problem naming the field.
 * Not guaranteed: that the broker's profile allows the write (bounds, type, node): the OT broker
 * decides that and answers with a status code.
 */
import {
  OPCUA_INTEGER_RANGES as INTEGER_RANGES,
  OPCUA_WRITABLE_TYPES,
  type OpcuaWritableType,
} from '../../../shared/src/model/opcua-scalars.js';
import { err, ok, type Problem, type Result } from '../../../shared/src/result.js';

/** The scalar types the OT broker can allow writes of (docs/opcua.md, `write` rules). */
export const WRITABLE_TYPES = OPCUA_WRITABLE_TYPES;
export type WritableType = OpcuaWritableType;

export interface PointWrite {
  readonly namespaceUri: string;
  /** OPC UA text form without `ns=`: `s=Line1.Setpoint`, `i=1001`, `g=...`, `b=...`. */
  readonly identifier: string;
  readonly dataType: WritableType;
  readonly value: number | boolean | string;
}

const FLOAT_MAX = 3.4028234663852886e38;
const MAX_STRING = 65_535;
const IDENTIFIER =
  /^(s=[^\u0000-\u001f]{1,512}|i=\d{1,10}|g=[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|b=[A-Za-z0-9+/]{1,512}={0,2})$/;

export function isWritableType(t: string): t is WritableType {
  return (WRITABLE_TYPES as readonly string[]).includes(t);
}

/** The text of a value field as the given type, or why not. */
export function parseValueAs(
  dataType: WritableType,
  text: string,
): Result<number | boolean | string, string> {
  switch (dataType) {
    case 'Boolean':
      return text === 'true'
        ? ok(true)
        : text === 'false'
          ? ok(false)
          : err('a Boolean is true or false');
    case 'SByte':
    case 'Byte':
    case 'Int16':
    case 'UInt16':
    case 'Int32':
    case 'UInt32': {
      const [lo, hi] = INTEGER_RANGES[dataType] ?? [0, 0];
      const t = text.trim();
      if (!/^[-+]?\d{1,10}$/.test(t))
        return err(`a ${dataType} is a whole number from ${lo} to ${hi}`);
      const n = Number(t);
      return n >= lo && n <= hi ? ok(n) : err(`${t} is outside the ${dataType} range ${lo}..${hi}`);
    }
    case 'Float':
    case 'Double': {
      const t = text.trim();
      const n = Number(t);
      if (t === '' || !Number.isFinite(n))
        return err(`a ${dataType} is a finite number (e.g. 42.5)`);
      if (dataType === 'Float' && Math.abs(n) > FLOAT_MAX)
        return err(`${t} is outside the Float range`);
      return ok(n);
    }
    case 'String':
      return text.length <= MAX_STRING
        ? ok(text)
        : err(`a String is at most ${MAX_STRING} characters`);
    default: {
      const never: never = dataType;
      return err(`unknown data type ${String(never)}`);
    }
  }
}

/** The form's fields (strings, CSRF field already removed) into a PointWrite. */
export function parsePointWrite(fields: Readonly<Record<string, unknown>>): Result<PointWrite> {
  const problems: Problem[] = [];
  const str = (name: string): string | undefined => {
    const v = fields[name];
    if (typeof v === 'string') return v;
    problems.push({ path: name, message: v === undefined ? 'required' : 'give it once' });
    return undefined;
  };
  const namespaceUri = str('namespace');
  const identifier = str('node');
  const dataType = str('dataType');
  const text = str('value');
  const known = new Set(['namespace', 'node', 'dataType', 'value']);
  for (const k of Object.keys(fields))
    if (!known.has(k)) problems.push({ path: k, message: 'unknown field' });
  if (
    namespaceUri !== undefined &&
    (namespaceUri.length === 0 || namespaceUri.length > 512 || /[\u0000-\u001f]/.test(namespaceUri))
  )
    problems.push({
      path: 'namespace',
      message: 'a namespace URI of 1 to 512 printable characters',
    });
  if (identifier !== undefined && !IDENTIFIER.test(identifier))
    problems.push({
      path: 'node',
      message: 'an identifier in OPC UA text form without ns= (s=..., i=..., g=..., b=...)',
    });
  let parsed: number | boolean | string | undefined;
  if (dataType !== undefined && !isWritableType(dataType))
    problems.push({ path: 'dataType', message: `one of ${WRITABLE_TYPES.join(', ')}` });
  else if (dataType !== undefined && text !== undefined) {
    const r = parseValueAs(dataType, text);
    if (r.ok) parsed = r.value;
    else problems.push({ path: 'value', message: r.error });
  }
  if (
    problems.length > 0 ||
    namespaceUri === undefined ||
    identifier === undefined ||
    dataType === undefined ||
    !isWritableType(dataType) ||
    parsed === undefined
  )
    return err(problems.length > 0 ? problems : [{ path: '', message: 'incomplete write form' }]);
  return ok({ namespaceUri, identifier, dataType, value: parsed });
}
