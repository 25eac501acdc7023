/**
 * The OPC UA scalar types Airlock lets an operator write, and the ranges of the integer ones:
 * shared by the OT broker's write check and the IT portal's write form, so both sides agree on
 * what a writable value is. Facts of the OPC UA type system only; no policy here.
 */

/** OPC UA built-in type names a write rule may name. */
export const OPCUA_WRITABLE_TYPES = [
  'Boolean',
  'SByte',
  'Byte',
  'Int16',
  'UInt16',
  'Int32',
  'UInt32',
  'Float',
  'Double',
  'String',
] as const;
export type OpcuaWritableType = (typeof OPCUA_WRITABLE_TYPES)[number];

/** Inclusive ranges of the integer types. */
export const OPCUA_INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  SByte: [-128, 127],
  Byte: [0, 255],
  Int16: [-32768, 32767],
  UInt16: [0, 65535],
  Int32: [-2147483648, 2147483647],
  UInt32: [0, 4294967295],
};
