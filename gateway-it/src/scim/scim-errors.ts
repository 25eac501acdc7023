/**
 * SCIM's refusals as AirlockErrors: the kind gives the HTTP status (http/scim-routes.ts maps it
 * once, to RFC 7644 3.12's error body) and `details.scimType` the SCIM detail error keyword.
 */
import { AirlockError, type ErrorKind } from '../../../shared/src/errors.js';

/** RFC 7644 Table 9, the keywords this server uses. */
export type ScimType =
  | 'invalidFilter'
  | 'uniqueness'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'mutability';

export function scimError(
  kind: ErrorKind,
  code: string,
  message: string,
  scimType?: ScimType,
): AirlockError {
  return new AirlockError(kind, code, message, {
    details: scimType === undefined ? {} : { scimType },
  });
}

export const badValue = (message: string): AirlockError =>
  scimError('bad_request', 'scim.invalid_value', message, 'invalidValue');
