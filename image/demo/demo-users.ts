/** The demo's people, as the README names them. */
export interface DemoUser {
  readonly name: string;
  readonly displayName: string;
  readonly roles: readonly string[];
  readonly extra?: readonly string[];
}

export function demoUsers(site: string, contractEnd: string): DemoUser[] {
  return [
    { name: 'admin', displayName: 'Ada Admin', roles: ['admin'] },
    { name: 'alice', displayName: 'Alice Engineer', roles: ['engineer'], extra: ['--break-glass'] },
    { name: 'olga', displayName: 'Olga OT-Owner', roles: [`ot-owner@${site}`] },
    {
      name: 'victor',
      displayName: 'Victor Vendor',
      roles: ['vendor'],
      extra: ['--company', 'ACME Automation', '--contract-end', contractEnd],
    },
    { name: 'audrey', displayName: 'Audrey Auditor', roles: [`auditor@${site}`] },
  ];
}
