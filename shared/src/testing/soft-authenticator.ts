/**
 * A software WebAuthn authenticator for unit tests (ES256, P-256): it makes the registrations
 * (attestation `none`) and assertions a browser would post after `startRegistration` and
 * `startAuthentication`, with every field a test may want wrong (origin, RP id, challenge, flags,
 * counter, type). Test code only; the product never imports it. Browser tests
 * use Chromium's virtual authenticator instead.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '../webauthn/webauthn.js';

export interface SoftAssertionInput {
  readonly rpId: string;
  readonly origin: string;
  readonly challenge: string;
  readonly counter: number;
  readonly userVerified?: boolean;
  readonly userPresent?: boolean;
  readonly type?: string;
  readonly userHandle?: string;
}

export class SoftAuthenticator {
  readonly credentialId: string;
  /** The COSE (EC2, ES256) public key, as a registration would have stored it. */
  readonly publicKey: Uint8Array;
  private readonly privateKey: KeyObject;

  constructor() {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = pair.privateKey;
    const jwk = pair.publicKey.export({ format: 'jwk' });
    const x = Buffer.from(jwk.x ?? '', 'base64url');
    const y = Buffer.from(jwk.y ?? '', 'base64url');
    // CBOR map {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}.
    this.publicKey = new Uint8Array(
      Buffer.concat([
        Buffer.from([0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20]),
        x,
        Buffer.from([0x22, 0x58, 0x20]),
        y,
      ]),
    );
    this.credentialId = createHash('sha256').update(x).digest('base64url');
  }

  /** A registration with attestation `none` (counter 0), as `startRegistration` returns it. */
  register(input: Omit<SoftAssertionInput, 'counter' | 'userHandle'>): RegistrationResponseJSON {
    const clientData = Buffer.from(
      JSON.stringify({
        type: input.type ?? 'webauthn.create',
        challenge: input.challenge,
        origin: input.origin,
        crossOrigin: false,
      }),
    );
    const id = Buffer.from(this.credentialId, 'base64url');
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(id.length);
    const flags = (input.userPresent === false ? 0 : 0x01) | (input.userVerified ? 0x04 : 0) | 0x40;
    const authData = Buffer.concat([
      createHash('sha256').update(input.rpId).digest(),
      Buffer.from([flags, 0, 0, 0, 0]),
      Buffer.alloc(16),
      idLength,
      id,
      this.publicKey,
    ]);
    const lengthPrefix = Buffer.from([0x59, authData.length >> 8, authData.length & 0xff]);
    // CBOR map {"fmt": "none", "attStmt": {}, "authData": bytes}.
    const attestation = Buffer.concat([
      Buffer.from([0xa3, 0x63]),
      Buffer.from('fmt'),
      Buffer.from([0x64]),
      Buffer.from('none'),
      Buffer.from([0x67]),
      Buffer.from('attStmt'),
      Buffer.from([0xa0, 0x68]),
      Buffer.from('authData'),
      lengthPrefix,
      authData,
    ]);
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientData.toString('base64url'),
        attestationObject: attestation.toString('base64url'),
        transports: ['internal'],
      },
    };
  }

  assert(input: SoftAssertionInput): AuthenticationResponseJSON {
    const clientData = Buffer.from(
      JSON.stringify({
        type: input.type ?? 'webauthn.get',
        challenge: input.challenge,
        origin: input.origin,
        crossOrigin: false,
      }),
    );
    const flags = (input.userPresent === false ? 0 : 0x01) | (input.userVerified ? 0x04 : 0);
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(input.counter);
    const authData = Buffer.concat([
      createHash('sha256').update(input.rpId).digest(),
      Buffer.from([flags]),
      counter,
    ]);
    const signature = sign(
      'sha256',
      Buffer.concat([authData, createHash('sha256').update(clientData).digest()]),
      this.privateKey,
    );
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientData.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        ...(input.userHandle === undefined ? {} : { userHandle: input.userHandle }),
      },
    };
  }
}
