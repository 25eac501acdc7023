/**
 * What a role's Debian package says about itself: the control file and the maintainer scripts and
 * wrapper (templates in image/debian/ with @PKG@, @ROLE@ ... filled in). Pure functions, so the
 * text is tested without building anything.
 */
export type Role = 'it' | 'ot';
export const ROLES: readonly Role[] = ['it', 'ot'];

export function packageName(role: Role): string {
  return `airlock-${role}`;
}

const SUMMARY: Record<Role, string> = {
  it: 'Airlock IT gateway: MFA portal, access approvals and the relay to plant sites',
  ot: 'Airlock OT gateway: the only path into a plant site, verifying every session itself',
};

const DESCRIPTION: Record<Role, readonly string[]> = {
  it: [
    'The corporate side of Airlock, the IT/OT segmented privileged access gateway: people log in',
    'with MFA, request access to plant assets, get it approved by the site owner and connect',
    '(web terminal, OpenSSH, forwarded ports). Serves the portal, the API and the OT gateways',
    'link on 443 and the operator SSH endpoint on 22, as a hardened systemd service. Brings its',
    'own Node.js runtime. The first admin is created with a one-time code shown on the console.',
  ],
  ot: [
    'The plant side of Airlock, the IT/OT segmented privileged access gateway: one per site, it',
    'dials out to its IT gateway (it listens on nothing), verifies every session ticket itself,',
    'keeps the credentials in its vault and brokers SSH, Modbus TCP and OPC UA with recording',
    "and filtering under the site's own local policy. Hardened systemd service; brings its own",
    'Node.js runtime.',
  ],
};

/** Debian's version rules allow digits, letters and `.+~-`; ours come from package.json. */
export function isDebianVersion(v: string): boolean {
  return /^[0-9][A-Za-z0-9.+~-]*$/.test(v) && !v.endsWith('-');
}

export function controlFile(role: Role, version: string, installedKiB: number): string {
  if (!isDebianVersion(version)) throw new Error(`"${version}" is not a Debian version`);
  return [
    `Package: ${packageName(role)}`,
    `Version: ${version}`,
    'Architecture: amd64',
    'Maintainer: Airlock maintainers <airlock@localhost>',
    `Installed-Size: ${installedKiB}`,
    // The bundled node needs libc and libstdc++; the scripts need useradd and setpriv; the host
    // firewall units load their rules with nft.
    'Depends: libc6 (>= 2.28), libstdc++6 (>= 10), systemd, passwd, util-linux, nftables',
    'Section: net',
    'Priority: optional',
    `Description: ${SUMMARY[role]}`,
    ...DESCRIPTION[role].map((l) => ` ${l}`),
    '',
  ].join('\n');
}

/**
 * The systemd units a role's package carries (from image/systemd/), all enabled at install: the
 * gateway and the boot-time loader of its host firewall; on OT also the unit that derives the
 * firewall from the local policy and the path unit that runs it whenever the policy changes.
 */
export function unitsOf(role: Role): readonly string[] {
  const name = packageName(role);
  const common = [`${name}.service`, `${name}-nftables.service`];
  return role === 'ot' ? [...common, `${name}-firewall.service`, `${name}-firewall.path`] : common;
}

/** Fills a template from image/debian/: every placeholder must be known, none may remain. */
export function fillTemplate(text: string, role: Role): string {
  const values: Record<string, string> = {
    PKG: packageName(role),
    ROLE: role,
    ROLE_NAME: role.toUpperCase(),
    // `firewall apply` loads rules (CAP_NET_ADMIN), which the service user never may.
    ROOT_VERBS: role === 'it' ? 'restore tls-import' : 'restore firewall',
    UNITS: unitsOf(role).join(' '),
  };
  const out = text.replace(/@([A-Z_]+)@/g, (m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`unknown placeholder ${m} in a package template`);
    return v;
  });
  return out;
}
