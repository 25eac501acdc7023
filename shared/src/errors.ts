/**
 * The one error class services throw. A `kind` says how a boundary must answer (HTTP status, SSH
 * refusal, link error frame); a `code` (`area.reason`) says what happened, stably, for logs and
 * tests. The message is for people and must never carry a secret. Parsers do not throw this: they
 * return a `Result` (see result.ts).
 */
export const ERROR_KINDS = [
  'bad_request',
  'unauthenticated',
  'access_denied',
  'not_found',
  'conflict',
  'limit_exceeded',
  'unavailable',
  'internal',
] as const;

export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface AirlockErrorOptions {
  readonly cause?: unknown;
  /** Safe, structured facts for logs and API bodies (never secrets). */
  readonly details?: Readonly<Record<string, unknown>>;
  /**
   * What a refusal was about (the site and object refused), for the audit record the boundary
   * writes; never sent to the client (a 404 must not reveal which site an id belongs to).
   */
  readonly subject?: RefusalSubject;
  /** The service has already written this refusal's audit event: the boundary writes no second. */
  readonly audited?: boolean;
}

export interface RefusalSubject {
  readonly site?: string;
  readonly target?: string;
}

export class AirlockError extends Error {
  override readonly name = 'AirlockError';
  readonly kind: ErrorKind;
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly subject: RefusalSubject;
  readonly audited: boolean;

  constructor(kind: ErrorKind, code: string, message: string, options: AirlockErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.code = code;
    this.details = options.details ?? {};
    this.subject = options.subject ?? {};
    this.audited = options.audited ?? false;
  }

  /** The same error, marked as already audited by the service that refused. */
  asAudited(): AirlockError {
    return new AirlockError(this.kind, this.code, this.message, {
      cause: this.cause,
      details: this.details,
      subject: this.subject,
      audited: true,
    });
  }
}

export function isAirlockError(value: unknown): value is AirlockError {
  return value instanceof AirlockError;
}

/**
 * Converts anything caught into an AirlockError without losing the original as `cause`. Unknown
 * failures become `internal`; their message is kept out of the public text on purpose, because
 * library errors may quote inputs.
 */
export function toAirlockError(value: unknown, code = 'internal.unexpected'): AirlockError {
  if (value instanceof AirlockError) return value;
  return new AirlockError('internal', code, 'internal error', { cause: value });
}

/** Text of an error chain for logs: messages and codes only, never stacks of secrets. */
export function describeError(value: unknown): string {
  const parts: string[] = [];
  let current: unknown = value;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    if (current instanceof AirlockError) parts.push(`${current.code}: ${current.message}`);
    else if (current instanceof Error) parts.push(`${current.name}: ${current.message}`);
    else parts.push(String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(' <- ');
}
