/**
 * The demo's single sign-on: a local OpenID Provider (image/demo/idp, oidc-provider on loopback)
 * with two people, and the IT gateway's `sso` provider pointing at it, so a newcomer can press
 * "Log in with Demo IdP". erin is in the engineers group and her provider login reports MFA
 * (`amr: mfa`), so she is in at once; omar owns plant-1 and his provider login is password only,
 * so Airlock asks for its own second factor (enrolled at his first login). Their accounts are made
 * at first SSO login (`jitCreate`). A SCIM token (0600) lets the newcomer play the provider's
 * provisioning client with curl. Not in zoned mode: the provider is on the host's loopback,
 * which the IT gateway's zone cannot reach.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDaemon, type Daemon } from './demo-process.js';
import type { IdpAccount } from './idp/idp-standin.js';

export const IDP_PROVIDER = 'demo-idp';

export interface IdpFiles {
  readonly secretFile: string;
  /** The bearer token a provisioning client sends to /scim/v2 (the provider's SCIM token). */
  readonly scimTokenFile: string;
  readonly accountsFile: string;
  readonly accounts: readonly IdpAccount[];
}

/** The client secret and the accounts (random passwords), 0600, made once per demo directory. */
export function idpFiles(itDir: string): IdpFiles {
  const secretFile = join(itDir, 'demo-idp.secret');
  const accountsFile = join(itDir, 'demo-idp-accounts.json');
  const scimTokenFile = join(itDir, 'demo-idp.scim-token');
  if (!existsSync(secretFile))
    writeFileSync(secretFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  if (!existsSync(scimTokenFile))
    writeFileSync(scimTokenFile, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  if (!existsSync(accountsFile)) {
    const pw = (): string => randomBytes(9).toString('base64url');
    const accounts: IdpAccount[] = [
      {
        login: 'erin',
        password: pw(),
        sub: `demo-${randomBytes(8).toString('hex')}`,
        email: 'erin@demo.example',
        preferredUsername: 'erin',
        name: 'Erin Engineer (SSO)',
        groups: ['airlock-engineers'],
        amr: ['pwd', 'mfa'],
      },
      {
        login: 'omar',
        password: pw(),
        sub: `demo-${randomBytes(8).toString('hex')}`,
        email: 'omar@demo.example',
        preferredUsername: 'omar',
        name: 'Omar OT-Owner (SSO)',
        groups: ['plant-1-owners'],
        amr: ['pwd'],
      },
    ];
    writeFileSync(accountsFile, JSON.stringify(accounts, null, 2), { mode: 0o600 });
  }
  return {
    secretFile,
    scimTokenFile,
    accountsFile,
    accounts: JSON.parse(readFileSync(accountsFile, 'utf8')) as IdpAccount[],
  };
}

export const redirectUriOf = (httpsPort: number): string =>
  `https://127.0.0.1:${httpsPort}/sso/${IDP_PROVIDER}/callback`;

/** The `sso` section of the IT gateway's config. */
export const idpConfig = (idpPort: number, httpsPort: number, site: string) => ({
  providers: {
    [IDP_PROVIDER]: {
      displayName: 'Demo IdP',
      issuer: `http://127.0.0.1:${idpPort}`,
      clientId: 'airlock-it',
      clientSecretFile: 'demo-idp.secret',
      redirectUri: redirectUriOf(httpsPort),
      scopes: ['openid', 'profile', 'email', 'groups'],
      roles: [
        { group: 'airlock-engineers', role: 'engineer' },
        { group: 'plant-1-owners', role: 'ot-owner', site },
      ],
      jitCreate: true,
      acceptIdpMfa: { amr: ['mfa'] },
      scimTokenFile: 'demo-idp.scim-token',
    },
  },
});

export function startIdp(
  idpMain: string,
  port: number,
  httpsPort: number,
  files: IdpFiles,
  logFile: string,
  onExit: (name: string, code: number | null) => void,
): Promise<Daemon> {
  return startDaemon(
    'idp',
    [
      idpMain,
      '--port',
      String(port),
      '--client-secret-file',
      files.secretFile,
      '--accounts-file',
      files.accountsFile,
      '--redirect-uri',
      redirectUriOf(httpsPort),
    ],
    logFile,
    onExit,
    { isReady: (e) => e['idp'] !== undefined },
  );
}

/** The lines the demo prints about it. */
export function idpLines(files: IdpFiles, port: number, httpsPort: number): string {
  const [erin, omar] = files.accounts;
  return `  SSO             "Log in with Demo IdP" on the login page (a local OpenID Provider, http://127.0.0.1:${port}):
                  ${erin?.login ?? ''} / ${erin?.password ?? ''}  engineer, the provider reports MFA: in at once
                  ${omar?.login ?? ''} / ${omar?.password ?? ''}  ot-owner of plant-1, password only: Airlock asks for its TOTP
                  (accounts made at first SSO login, bound to the provider's subject; see docs/access.md)
  SCIM            the provider's provisioning endpoint (joiners, movers, leavers; docs/access.md):
                  curl -k -H "Authorization: Bearer $(cat ${files.scimTokenFile})" https://127.0.0.1:${httpsPort}/scim/v2/Users
                  a PATCH with active:false ends that person's sessions at once`;
}
