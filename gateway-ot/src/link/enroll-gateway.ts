/**
 * Enrolling this OT gateway with an IT gateway (`airlock-ot enroll`): registers the gateway's
 * identity public key using the admin's one-time token, over TLS pinned to the fingerprint the admin
 * gave, then records locally where the IT gateway is, the pin, and the IT key whose session tickets
 * this gateway will accept, together with a `site.enroll` event in this gateway's own audit log.
 * Enrolling again (with a new token) replaces the record.
 */
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { toBase64Url } from '../../../shared/src/crypto/encoding.js';
import { normalizeFingerprint } from '../../../shared/src/crypto/hash.js';
import type { SigningKeyPair } from '../../../shared/src/crypto/signing.js';
import { ENROLLMENT_TOKEN_PATTERN } from '../../../shared/src/link/enrollment.js';
import { AIRLOCK_VERSION } from '../../../shared/src/version.js';
import type { EnrollmentRecord, EnrollmentStore } from '../store/store.js';
import { requestEnrollment } from './enroll-client.js';

export interface EnrollInput {
  readonly itUrl: string;
  readonly token: string;
  readonly fingerprint: string;
}

export interface EnrollDeps {
  readonly audit: AuditLog;
  readonly enrollment: EnrollmentStore;
  readonly clock: Clock;
  readonly identity: SigningKeyPair;
  readonly site: string;
  readonly timeoutMs: number;
}

/** Checks the operator's input; throws a bad_request naming the flag. */
export function parseEnrollInput(input: EnrollInput): {
  itUrl: URL;
  token: string;
  fingerprint: string;
} {
  let itUrl: URL;
  try {
    itUrl = new URL(input.itUrl);
  } catch {
    throw new AirlockError(
      'bad_request',
      'enroll.bad_url',
      `--it-url ${input.itUrl} is not a URL (expected https://host:port)`,
    );
  }
  if (itUrl.protocol !== 'https:')
    throw new AirlockError('bad_request', 'enroll.bad_url', '--it-url must be an https:// URL');
  if (!ENROLLMENT_TOKEN_PATTERN.test(input.token))
    throw new AirlockError(
      'bad_request',
      'enroll.bad_token',
      '--token is not an enrollment token (aet_ followed by 43 characters)',
    );
  const fingerprint = normalizeFingerprint(input.fingerprint);
  if (fingerprint === undefined)
    throw new AirlockError(
      'bad_request',
      'enroll.bad_fingerprint',
      '--fingerprint must be a SHA-256 fingerprint (64 hex digits, colons allowed)',
    );
  return { itUrl, token: input.token, fingerprint };
}

export async function enrollGateway(
  deps: EnrollDeps,
  input: EnrollInput,
): Promise<EnrollmentRecord> {
  const { itUrl, token, fingerprint } = parseEnrollInput(input);
  const publicKey = toBase64Url(deps.identity.publicKey);
  let answer;
  try {
    answer = await requestEnrollment(
      itUrl,
      fingerprint,
      { token, site: deps.site, publicKey, gatewayVersion: AIRLOCK_VERSION },
      deps.timeoutMs,
    );
  } catch (e) {
    const code = e instanceof AirlockError ? e.code : 'enroll.failed';
    deps.audit.append({
      action: 'site.enroll',
      actor: `system:ot:${deps.site}`,
      site: deps.site,
      target: itUrl.origin,
      outcome: 'failure',
      details: { itUrl: itUrl.origin, itFingerprint: fingerprint, publicKey, code },
    });
    throw e;
  }
  const record: EnrollmentRecord = {
    site: deps.site,
    itUrl: itUrl.origin,
    itFingerprint: fingerprint,
    grantPublicKey: answer.grantPublicKey,
    gatewayId: answer.gatewayId,
    enrolledAt: deps.clock.now(),
  };
  deps.enrollment.write(record, () =>
    deps.audit.append({
      action: 'site.enroll',
      actor: `system:ot:${deps.site}`,
      site: deps.site,
      target: itUrl.origin,
      outcome: 'success',
      details: {
        itUrl: record.itUrl,
        itFingerprint: fingerprint,
        gatewayId: answer.gatewayId,
        publicKey,
        grantPublicKey: answer.grantPublicKey,
      },
    }),
  );
  return record;
}
