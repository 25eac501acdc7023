/**
 * The organisation's PKI for the appliance test (openssl): a CA, and a server certificate for the
 * IT gateway valid for the addresses it is reached at and a name. Keys are made here, never kept.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mustRun } from '../../image/build/run-command.js';

export interface TestPki {
  readonly caPem: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export async function makeItCertificate(
  dir: string,
  addresses: readonly string[],
): Promise<TestPki> {
  mkdirSync(dir, { recursive: true });
  const p = (name: string): string => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  await mustRun('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.pem'),
    '-days',
    '7',
    '-subj',
    '/CN=Airlock appliance test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign',
  ]);
  await mustRun('openssl', [
    'req',
    ...ec,
    '-keyout',
    p('it.key'),
    '-out',
    p('it.csr'),
    '-subj',
    '/CN=it.airlock.test',
  ]);
  writeFileSync(
    p('ext.cnf'),
    `subjectAltName=${addresses.map((a) => `IP:${a}`).join(',')},DNS:it.airlock.test\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`,
  );
  await mustRun('openssl', [
    'x509',
    '-req',
    '-in',
    p('it.csr'),
    '-CA',
    p('ca.pem'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('it.crt'),
    '-days',
    '7',
    '-extfile',
    p('ext.cnf'),
  ]);
  return { caPem: p('ca.pem'), certFile: p('it.crt'), keyFile: p('it.key') };
}
