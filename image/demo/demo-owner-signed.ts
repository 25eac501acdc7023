/**
 * `npm run demo -- --owner-signed`: plant-1's local policy says `approvals: owner-signed`, so the
 * OT gateway opens a session only when an enrolled OT owner's passkey signed the approval (docs/
 * access.md, "Who has the final say at the site"). What the policy gains and what the banner tells
 * a newcomer: olga enrolls first, with a code the OT CLI prints, in a browser at
 * https://localhost (WebAuthn refuses an IP address), with a passkey or a virtual authenticator.
 */

/** The demo policy with owner-signed approvals (one signed owner; break-glass nowhere). */
export function withOwnerSigned(policy: Record<string, unknown>): Record<string, unknown> {
  return { ...policy, approvals: { mode: 'owner-signed', quorum: 1 } };
}

/** The banner's lines for owner-signed mode. */
export function ownerSignedLines(o: {
  readonly otMain: string;
  readonly otConfig: string;
  readonly httpsPort: number;
  readonly site: string;
}): string {
  return `  Owner-signed    ${o.site} approvals are owner-signed: olga's approval counts only when her passkey signs it,
                  and the OT gateway checks the signature itself. Before approving, olga enrolls a passkey:
                  1. at the site (the OT CLI):  node ${o.otMain} owner enroll-start olga --config ${o.otConfig}
                     prints a one-time code (15 minutes, single use)
                  2. olga opens https://localhost:${o.httpsPort}/sites/${o.site}/owner-enroll (passkeys need
                     https://localhost, not 127.0.0.1) and types the code; her browser creates the passkey
                  You need a passkey in that browser (or a security key, or Chrome DevTools > WebAuthn >
                  virtual authenticator). Break-glass is refused at the site in this mode.
`;
}
