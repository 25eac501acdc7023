/**
 * `airlock-ot enroll`, network part: presents the one-time token, the site and this gateway's
 * identity public key to the IT gateway (HTTPS POST over TLS pinned to the fingerprint the admin
 * handed over; nothing is sent to a server with another certificate), and returns the validated
 * answer. The token is sent only in the request body and never logged.
 */
import { request } from 'node:https';
import { AirlockError } from '../../../shared/src/errors.js';
import { parseWith } from '../../../shared/src/config/format-issues.js';
import { formatProblems } from '../../../shared/src/result.js';
import { ENROLL_PATH } from '../../../shared/src/link/control-messages.js';
import {
  enrollResponseSchema,
  type EnrollRequest,
  type EnrollResponse,
} from '../../../shared/src/link/enrollment.js';
import { connectPinned } from './pinned-tls.js';

const MAX_RESPONSE_BYTES = 64 * 1024;

export async function requestEnrollment(
  itUrl: URL,
  fingerprint: string,
  body: EnrollRequest,
  timeoutMs: number,
): Promise<EnrollResponse> {
  const url = new URL(ENROLL_PATH, itUrl);
  const socket = await connectPinned({ url, fingerprint }, timeoutMs);
  const payload = JSON.stringify(body);
  const { status, text } = await new Promise<{ status: number; text: string }>(
    (resolve, reject) => {
      const req = request(
        url,
        {
          method: 'POST',
          createConnection: () => socket,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
            if (text.length > MAX_RESPONSE_BYTES) res.destroy(new Error('response too large'));
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (e) =>
        reject(
          new AirlockError(
            'unavailable',
            'enroll.request_failed',
            `enrollment request to ${url.origin} failed: ${e.message}`,
            { cause: e },
          ),
        ),
      );
      req.end(payload);
    },
  );
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    throw new AirlockError(
      'unavailable',
      'enroll.bad_response',
      `the IT gateway answered ${status} without JSON`,
    );
  }
  if (status !== 200) {
    const error = (json as { error?: { code?: unknown; message?: unknown } }).error;
    throw new AirlockError(
      status === 401 || status === 403 ? 'access_denied' : 'unavailable',
      typeof error?.code === 'string' ? error.code : 'enroll.refused',
      `the IT gateway refused the enrollment: ${typeof error?.message === 'string' ? error.message : `HTTP ${status}`}`,
    );
  }
  const parsed = parseWith(enrollResponseSchema, json);
  if (!parsed.ok)
    throw new AirlockError(
      'unavailable',
      'enroll.bad_response',
      `the IT gateway's answer is invalid: ${formatProblems(parsed.error)}`,
    );
  if (parsed.value.site !== body.site)
    throw new AirlockError(
      'unavailable',
      'enroll.bad_response',
      `the IT gateway enrolled site ${parsed.value.site}, not ${body.site}`,
    );
  if (parsed.value.itFingerprint !== fingerprint)
    throw new AirlockError(
      'unavailable',
      'enroll.bad_response',
      'the IT gateway reports another certificate fingerprint than the pinned one',
    );
  return parsed.value;
}
