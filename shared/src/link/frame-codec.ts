/**
 * Turns a received WebSocket frame into a typed control message, or says precisely why it is not
 * one. It never throws on bad input: a peer that sends a binary frame, a frame over the limit,
 * something that is not JSON, an unknown message type or a message that fails its schema gets a
 * `LinkViolation`, and the receiving side closes the link and audits it (`link.violation`).
 * Only the message types listed for the direction (and, before authentication, for the stage)
 * are accepted.
 */
import type { z } from 'zod';
import { formatProblems, err, ok, type Result } from '../result.js';
import { parseWith } from '../config/format-issues.js';

export type ViolationCode =
  | 'frame.binary'
  | 'frame.too_large'
  | 'frame.not_json'
  | 'frame.unknown_type'
  | 'frame.invalid'
  | 'frame.unexpected';

export interface LinkViolation {
  readonly code: ViolationCode;
  /** Safe to log and audit: names the problem, never quotes the frame. */
  readonly message: string;
  readonly type?: string;
}

type Table = Readonly<Record<string, z.ZodType>>;
type MessageOf<T extends Table> = { [K in keyof T]: z.output<T[K]> }[keyof T];

export function frameLength(data: Buffer | ArrayBuffer | Buffer[] | string): number {
  if (typeof data === 'string') return Buffer.byteLength(data);
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data.byteLength;
}

function frameText(data: Buffer | ArrayBuffer | Buffer[] | string): string {
  if (typeof data === 'string') return data;
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/** The checks every frame gets: text, within the limit, a JSON object with a string `type`. */
export function parseFrameObject(
  data: Buffer | ArrayBuffer | Buffer[] | string,
  isBinary: boolean,
  maxBytes: number,
): Result<{ readonly type: string; readonly json: object }, LinkViolation> {
  if (isBinary) return err({ code: 'frame.binary', message: 'binary frame on a JSON channel' });
  const size = frameLength(data);
  if (size > maxBytes)
    return err({
      code: 'frame.too_large',
      message: `frame of ${size} bytes exceeds the limit of ${maxBytes}`,
    });
  let json: unknown;
  try {
    json = JSON.parse(frameText(data)) as unknown;
  } catch {
    return err({ code: 'frame.not_json', message: 'frame is not valid JSON' });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    return err({ code: 'frame.invalid', message: 'frame is not a JSON object' });
  const type = (json as { type?: unknown }).type;
  if (typeof type !== 'string')
    return err({ code: 'frame.invalid', message: 'frame has no string "type"' });
  return ok({ type, json });
}

/** Validates a frame's object against the schema for its type. */
export function checkFrame<T>(
  type: string,
  json: object,
  schema: z.ZodType<T>,
): Result<T, LinkViolation> {
  const parsed = parseWith(schema, json);
  if (!parsed.ok)
    return err({
      code: 'frame.invalid',
      message: `${type}: ${formatProblems(parsed.error).slice(0, 400)}`,
      type,
    });
  return ok(parsed.value as T);
}

/**
 * Decodes one frame against `table` (the messages allowed in this direction and stage).
 * `maxBytes` is checked here as well as by the socket, so the rule holds whatever the transport.
 */
export function decodeFrame<T extends Table>(
  table: T,
  data: Buffer | ArrayBuffer | Buffer[] | string,
  isBinary: boolean,
  maxBytes: number,
): Result<MessageOf<T>, LinkViolation> {
  const frame = parseFrameObject(data, isBinary, maxBytes);
  if (!frame.ok) return frame;
  const { type, json } = frame.value;
  if (!Object.hasOwn(table, type)) {
    return err({
      code: 'frame.unknown_type',
      message: `message type "${type.slice(0, 64)}" is not allowed here`,
      type: type.slice(0, 64),
    });
  }
  return checkFrame(type, json, table[type] as z.ZodType<MessageOf<T>>);
}

/** Picks the given message types out of a direction's table (e.g. only `hello` before authentication). */
export function onlyTypes<T extends Table, K extends keyof T>(
  table: T,
  ...types: readonly K[]
): Pick<T, K> {
  return Object.fromEntries(types.map((t) => [t, table[t]])) as Pick<T, K>;
}

/**
 * ws reports frames over maxPayload and WebSocket protocol errors as 'error' events (and then
 * closes the socket itself): those are the peer's violations. Other errors are transport trouble.
 */
export function socketErrorViolation(e: Error & { code?: unknown }): LinkViolation | undefined {
  if (e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
    return { code: 'frame.too_large', message: "frame exceeds the channel's size limit" };
  if (typeof e.code === 'string' && e.code.startsWith('WS_ERR_'))
    return { code: 'frame.invalid', message: `WebSocket protocol error (${e.code})` };
  return undefined;
}

export function encodeFrame<T extends { readonly type: string }>(message: T): string {
  return JSON.stringify(message);
}
