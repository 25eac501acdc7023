/**
 * What the passkey pages load before passkeys.js, as a classic script: @simplewebauthn/browser's
 * UMD bundle puts its exports on the global object as `SimpleWebAuthnBrowser`. Typed from the
 * package's own declarations; this file only says where the page finds them.
 */
import type * as SimpleWebAuthn from '@simplewebauthn/browser';

declare global {
  const SimpleWebAuthnBrowser: typeof SimpleWebAuthn;
}
