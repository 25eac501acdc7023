/**
 * The demo's first start: the site, the demo users (their passwords and TOTP secrets to a 0600
 * credentials file), a window open every day, and the plant's logins in the OT vault, each through
 * the gateways' own CLIs (`site-add`, `user-add`, `window-add`, `vault-set`) exactly as an operator
 * would run them. Secrets go to the CLIs on stdin, never on a command line. `enrollOtOnce` enrolls
 * the OT gateway with the IT gateway (`site-enroll-token`, then `airlock-ot enroll`) unless a marker
 * file says it was, and writes the marker after.
 */
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { DEMO_OPCUA_USERS, DEMO_SSH_USERS } from './plant/plant.js';
import { demoUsers } from './demo-users.js';
import { runCommand } from './demo-process.js';

export interface FirstStart {
  readonly itMain: string;
  readonly otMain: string;
  readonly itConfig: string;
  readonly otConfig: string;
  readonly site: string;
  readonly portalUrl: string;
  readonly credentialsFile: string;
  /** Put in front of the OT CLI (the zoned demo's namespace and user). */
  readonly otWrap: readonly string[];
  /** Further IT set-up once the site and users exist (the site's ITSM check). */
  readonly afterUsers?: () => Promise<void>;
}

export async function provisionFirstStart(f: FirstStart): Promise<void> {
  const { itMain, otMain, itConfig, otConfig, site, credentialsFile, otWrap } = f;
  process.stdout.write('creating the demo site and users...\n');
  await runCommand([
    itMain,
    'site-add',
    '--config',
    itConfig,
    '--site',
    site,
    '--timezone',
    'Europe/Berlin',
    '--name',
    'Plant 1 (demo)',
  ]);
  const contractEnd = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  const creds: Record<string, unknown>[] = [];
  for (const u of demoUsers(site, contractEnd)) {
    const out = await runCommand([
      itMain,
      'user-add',
      '--config',
      itConfig,
      '--name',
      u.name,
      '--display-name',
      u.displayName,
      ...u.roles.flatMap((r) => ['--role', r]),
      ...(u.extra ?? []),
      '--json',
    ]);
    creds.push(JSON.parse(out) as Record<string, unknown>);
  }
  // A site-wide window open every day, so a request for hmi-1 made at any hour of the demo
  // falls inside one (requests outside every window are refused, see docs/access.md).
  const windowAdded = await runCommand([
    itMain,
    'window-add',
    '--config',
    itConfig,
    '--site',
    site,
    '--label',
    'demo: every day, all day',
    '--weekly',
    'mon,tue,wed,thu,fri,sat,sun',
    '--from',
    '00:00',
    '--to',
    '00:00',
  ]);
  await f.afterUsers?.();
  // The plant logins the OT gateway uses, in its vault (stdin, never argv): hmi-1's SSH account
  // and opc-1's OPC UA user, the accounts demoPolicy names. The host key and certificate they
  // are checked against are pinned in the policy.
  process.stdout.write('storing the plant logins in the OT vault...\n');
  await runCommand(
    [otMain, 'vault-set', '--config', otConfig, '--asset', 'hmi-1', '--account', 'operator'],
    DEMO_SSH_USERS.operator,
    otWrap,
  );
  await runCommand(
    [otMain, 'vault-set', '--config', otConfig, '--asset', 'opc-1', '--account', 'operator'],
    DEMO_OPCUA_USERS.operator,
    otWrap,
  );
  writeFileSync(
    credentialsFile,
    // The window's id, for the banner's evidence pack line (the portal shows it only as a button).
    `${JSON.stringify({ site, portal: f.portalUrl, window: (JSON.parse(windowAdded) as { window: string }).window, users: creds }, null, 2)}\n`,
    { mode: 0o600 },
  );
  chmodSync(credentialsFile, 0o600);
}

export interface OtEnrolment {
  readonly itMain: string;
  readonly otMain: string;
  readonly itConfig: string;
  readonly otConfig: string;
  readonly site: string;
  /** The IT gateway's URL as the OT gateway reaches it. */
  readonly itUrl: string;
  /** Written once enrolled; while it exists, nothing is done. */
  readonly marker: string;
  readonly otWrap: readonly string[];
}

export async function enrollOtOnce(e: OtEnrolment): Promise<void> {
  if (existsSync(e.marker)) return;
  process.stdout.write(`enrolling the OT gateway of ${e.site} with the IT gateway...\n`);
  const issued = JSON.parse(
    await runCommand([
      e.itMain,
      'site-enroll-token',
      '--config',
      e.itConfig,
      '--site',
      e.site,
      '--json',
    ]),
  ) as { token: string; itFingerprint: string };
  await runCommand(
    [
      e.otMain,
      'enroll',
      '--config',
      e.otConfig,
      '--it-url',
      e.itUrl,
      '--token',
      issued.token,
      '--fingerprint',
      issued.itFingerprint,
      '--json',
    ],
    undefined,
    e.otWrap,
  );
  writeFileSync(e.marker, `${new Date().toISOString()}\n`);
}
