/**
 * WebAuthn (passkeys) verification, shared by both gateways: the IT gateway's passkey logins and
 * registrations, and later the OT gateway checking an OT owner's signed approval against the key
 * it enrolled itself. The one home of @simplewebauthn/server.
 *
 * Guarantees: `verifyPasskeyAssertion` accepts an assertion only when its client data is a
 * `webauthn.get` for exactly the expected challenge from one of the expected origins, its
 * authenticator data names the expected RP id and has user presence (and user verification when
 * asked), the signature verifies with the stored public key, and the signature counter moved
 * forward (a counter that goes backwards or stands still while either side is non-zero is a
 * cloned authenticator). Each refusal is a value with a reason; nothing here throws on bad input,
 * stores anything or audits: the caller consumes the challenge, stores the new counter and audits.
 * Not here: which challenge is live (single use, binding, expiry) and which credential belongs
 * to whom.
 */
import { createHash } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { decodeAttestationObject, parseAuthenticatorData } from '@simplewebauthn/server/helpers';
import { z } from 'zod';
import { err, ok, type Result } from '../result.js';

export type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
};

/** Where an assertion or registration must come from (the relying party). */
export interface RelyingParty {
  /** The RP id: the portal's host name (a domain or `localhost`, never an IP address). */
  readonly id: string;
  /** Origins the browser may report, e.g. `https://airlock.example.com:8443`. */
  readonly origins: readonly string[];
  readonly name: string;
}

/** A stored credential: what verifying an assertion needs. */
export interface StoredPasskey {
  /** The credential id, base64url. */
  readonly credentialId: string;
  /** The COSE public key as registered. */
  readonly publicKey: Uint8Array;
  /** The last signature counter accepted. */
  readonly counter: number;
}

export type AssertionRefusal =
  | 'malformed'
  | 'wrong_type'
  | 'wrong_challenge'
  | 'wrong_origin'
  | 'wrong_rp'
  | 'wrong_credential'
  | 'user_not_present'
  | 'user_not_verified'
  | 'counter_regressed'
  | 'bad_signature';

export interface VerifiedAssertion {
  readonly credentialId: string;
  readonly newCounter: number;
  readonly userVerified: boolean;
  /** The origin the browser reported (one of the expected ones). */
  readonly origin: string;
  /** The user handle the authenticator returned (a discoverable credential's account), if any. */
  readonly userHandle: string | null;
}

export interface RegisteredPasskey {
  readonly credentialId: string;
  readonly publicKey: Uint8Array;
  readonly counter: number;
  readonly transports: readonly string[];
  readonly userVerified: boolean;
  readonly backedUp: boolean;
}

const b64url = z.string().regex(/^[A-Za-z0-9_-]*$/, 'expected base64url');
const transports = z.array(z.string().max(32)).max(8);

/** The JSON `startAuthentication` sends (fields we do not use are allowed but not kept). */
const assertionSchema = z.object({
  id: b64url.min(1).max(1024),
  rawId: b64url.min(1).max(1024),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: b64url.max(8192),
    authenticatorData: b64url.max(8192),
    signature: b64url.max(1024),
    userHandle: b64url.max(128).optional(),
  }),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
});

const registrationSchema = z.object({
  id: b64url.min(1).max(1024),
  rawId: b64url.min(1).max(1024),
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: b64url.max(8192),
    attestationObject: b64url.max(65_536),
    transports: transports.optional(),
  }),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
});

const clientDataSchema = z.object({
  type: z.string(),
  challenge: z.string(),
  origin: z.string(),
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Parses what the browser posted after `startAuthentication` (a JSON string). */
export function parseAssertion(text: string): Result<AuthenticationResponseJSON, string> {
  const r = assertionSchema.safeParse(parseJson(text));
  if (!r.success) return err('the passkey response is not a WebAuthn assertion');
  const { authenticatorAttachment, response, ...rest } = r.data;
  const { userHandle, ...resp } = response;
  return ok({
    ...rest,
    response: { ...resp, ...(userHandle === undefined ? {} : { userHandle }) },
    ...(authenticatorAttachment === undefined ? {} : { authenticatorAttachment }),
  });
}

/** Parses what the browser posted after `startRegistration` (a JSON string). */
export function parseRegistration(text: string): Result<RegistrationResponseJSON, string> {
  const r = registrationSchema.safeParse(parseJson(text));
  if (!r.success) return err('the passkey response is not a WebAuthn registration');
  const { authenticatorAttachment, response, ...rest } = r.data;
  const { transports: tr, ...resp } = response;
  return ok({
    ...rest,
    response: {
      ...resp,
      ...(tr === undefined ? {} : { transports: tr as AuthenticatorTransportFuture[] }),
    },
    ...(authenticatorAttachment === undefined ? {} : { authenticatorAttachment }),
  });
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;

/** The fields of authenticator data checked here (WebAuthn §6.1): RP id hash, flags, counter. */
function readAuthData(
  b64: string,
): { rpIdHash: Buffer; up: boolean; uv: boolean; counter: number } | undefined {
  const bytes = Buffer.from(b64, 'base64url');
  if (bytes.length < 37) return undefined;
  const flags = bytes[32] ?? 0;
  return {
    rpIdHash: bytes.subarray(0, 32),
    up: (flags & FLAG_UP) !== 0,
    uv: (flags & FLAG_UV) !== 0,
    counter: bytes.readUInt32BE(33),
  };
}

/** A counter that did not move forward: WebAuthn §6.1.1 (both zero means "no counter"). */
export function isCounterRegression(stored: number, received: number): boolean {
  return (stored !== 0 || received !== 0) && received <= stored;
}

/**
 * Verifies an assertion against one stored credential. The checks that name a reason (type,
 * challenge, origin, RP id, flags, counter) run first on the parsed client and authenticator
 * data, so a refusal says which; the library then verifies the signature (and repeats them).
 */
export async function verifyPasskeyAssertion(input: {
  readonly response: AuthenticationResponseJSON;
  readonly expectedChallenge: string;
  readonly rp: Pick<RelyingParty, 'id' | 'origins'>;
  readonly credential: StoredPasskey;
  readonly requireUserVerification: boolean;
}): Promise<Result<VerifiedAssertion, AssertionRefusal>> {
  const { response, rp, credential } = input;
  if (response.id !== credential.credentialId || response.rawId !== response.id)
    return err('wrong_credential');
  const client = clientDataSchema.safeParse(
    parseJson(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')),
  );
  if (!client.success) return err('malformed');
  if (client.data.type !== 'webauthn.get') return err('wrong_type');
  if (client.data.challenge !== input.expectedChallenge) return err('wrong_challenge');
  if (!rp.origins.includes(client.data.origin)) return err('wrong_origin');
  const auth = readAuthData(response.response.authenticatorData);
  if (auth === undefined) return err('malformed');
  if (!auth.rpIdHash.equals(createHash('sha256').update(rp.id).digest())) return err('wrong_rp');
  if (!auth.up) return err('user_not_present');
  if (input.requireUserVerification && !auth.uv) return err('user_not_verified');
  if (isCounterRegression(credential.counter, auth.counter)) return err('counter_regressed');
  try {
    const v = await verifyAuthenticationResponse({
      response,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      credential: {
        id: credential.credentialId,
        publicKey: new Uint8Array(credential.publicKey),
        counter: credential.counter,
      },
      requireUserVerification: input.requireUserVerification,
    });
    if (!v.verified) return err('bad_signature');
    return ok({
      credentialId: credential.credentialId,
      newCounter: v.authenticationInfo.newCounter,
      userVerified: v.authenticationInfo.userVerified,
      origin: v.authenticationInfo.origin,
      userHandle: response.response.userHandle ?? null,
    });
  } catch {
    // The library throws on anything it refuses; the named checks above already ran.
    return err('bad_signature');
  }
}

/**
 * Verifies a registration: client data (type, challenge, origin) and authenticator data (RP id,
 * flags) with named reasons, then the library (attestation format and, for `packed` and the like,
 * its signature; we do not rely on the authenticator's make, so no trust anchors are configured).
 */
export async function verifyPasskeyRegistration(input: {
  readonly response: RegistrationResponseJSON;
  readonly expectedChallenge: string;
  readonly rp: Pick<RelyingParty, 'id' | 'origins'>;
  readonly requireUserVerification: boolean;
}): Promise<Result<RegisteredPasskey, AssertionRefusal>> {
  const { response, rp } = input;
  const client = clientDataSchema.safeParse(
    parseJson(Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8')),
  );
  if (!client.success) return err('malformed');
  if (client.data.type !== 'webauthn.create') return err('wrong_type');
  if (client.data.challenge !== input.expectedChallenge) return err('wrong_challenge');
  if (!rp.origins.includes(client.data.origin)) return err('wrong_origin');
  let flags: { up: boolean; uv: boolean };
  try {
    const att = decodeAttestationObject(
      new Uint8Array(Buffer.from(response.response.attestationObject, 'base64url')),
    );
    const auth = parseAuthenticatorData(att.get('authData'));
    if (!Buffer.from(auth.rpIdHash).equals(createHash('sha256').update(rp.id).digest()))
      return err('wrong_rp');
    flags = auth.flags;
  } catch {
    return err('malformed');
  }
  if (!flags.up) return err('user_not_present');
  if (input.requireUserVerification && !flags.uv) return err('user_not_verified');
  try {
    const v = await verifyRegistrationResponse({
      response,
      expectedChallenge: input.expectedChallenge,
      expectedOrigin: [...rp.origins],
      expectedRPID: rp.id,
      requireUserVerification: input.requireUserVerification,
    });
    if (!v.verified) return err('bad_signature');
    const info = v.registrationInfo;
    return ok({
      credentialId: info.credential.id,
      publicKey: info.credential.publicKey,
      counter: info.credential.counter,
      transports: info.credential.transports ?? response.response.transports ?? [],
      userVerified: info.userVerified,
      backedUp: info.credentialBackedUp,
    });
  } catch {
    // The library throws on anything it refuses; the named checks above already ran.
    return err('bad_signature');
  }
}

/** Options for `startRegistration`: a discoverable credential, attestation `none`, ES256/EdDSA/RS256. */
export function registrationOptions(input: {
  readonly rp: RelyingParty;
  readonly challenge: Uint8Array;
  readonly userHandle: Uint8Array;
  readonly userName: string;
  readonly displayName: string;
  readonly exclude: readonly { credentialId: string; transports: readonly string[] }[];
  readonly requireUserVerification: boolean;
  readonly timeoutMs: number;
}): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: input.rp.name,
    rpID: input.rp.id,
    userName: input.userName,
    userDisplayName: input.displayName,
    userID: new Uint8Array(input.userHandle),
    challenge: new Uint8Array(input.challenge),
    timeout: input.timeoutMs,
    attestationType: 'none',
    excludeCredentials: input.exclude.map((c) => ({
      id: c.credentialId,
      transports: c.transports as AuthenticatorTransportFuture[],
    })),
    authenticatorSelection: {
      residentKey: 'required',
      userVerification: input.requireUserVerification ? 'required' : 'preferred',
    },
    supportedAlgorithmIDs: [-8, -7, -257],
  });
}

/** Options for `startAuthentication`; `allow` empty: any discoverable credential (passwordless). */
export function assertionOptions(input: {
  readonly rpId: string;
  readonly challenge: Uint8Array;
  readonly allow: readonly { credentialId: string; transports: readonly string[] }[];
  readonly requireUserVerification: boolean;
  readonly timeoutMs: number;
}): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: input.rpId,
    challenge: new Uint8Array(input.challenge),
    timeout: input.timeoutMs,
    allowCredentials: input.allow.map((c) => ({
      id: c.credentialId,
      transports: c.transports as AuthenticatorTransportFuture[],
    })),
    userVerification: input.requireUserVerification ? 'required' : 'preferred',
  });
}

/** The RP id and origin for a portal URL; an IP address cannot be an RP id (WebAuthn §5.1.3). */
export function relyingPartyFor(publicUrl: string, name: string): Result<RelyingParty, string> {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    return err(`not a URL: ${publicUrl}`);
  }
  const host = url.hostname;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('['))
    return err(
      `passkeys need a host name, not an IP address (${host}): set http.publicUrl to e.g. https://localhost:${url.port || 443} or the portal's DNS name`,
    );
  return ok({ id: host, origins: [url.origin], name });
}
