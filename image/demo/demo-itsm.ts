/**
 * The demo's ITSM: the local stand-in (image/demo/itsm) serving a few changes and an incident for
 * plant-1, the IT gateway's table-API connector to it with a key file, and the site's ITSM check
 * (`site-itsm`, as an operator would run it). It runs beside the IT gateway (in its zone when
 * zoned), on loopback, so tickets are checked and work notes written without any outside system.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runCommand, startDaemon, type Daemon } from './demo-process.js';

export const ITSM_CONNECTOR = 'itsm-standin';

/** The key file both sides read (0600; created once per demo directory). */
export function itsmCredentialsFile(itDir: string): string {
  const file = join(itDir, 'itsm-credentials.json');
  if (!existsSync(file))
    writeFileSync(
      file,
      JSON.stringify({ username: 'airlock', password: randomBytes(12).toString('hex') }),
      { mode: 0o600 },
    );
  return file;
}

/** The `itsm` section of the IT gateway's config. */
export const itsmConfig = (port: number, credentialsFile: string) => ({
  connectors: {
    [ITSM_CONNECTOR]: {
      type: 'table-api',
      url: `http://127.0.0.1:${port}`,
      credentialsFile,
    },
  },
});

export function startItsmStandIn(
  standInMain: string,
  port: number,
  credentialsFile: string,
  logFile: string,
  onExit: (name: string, code: number | null) => void,
  wrap: readonly string[],
): Promise<Daemon> {
  return startDaemon(
    'itsm',
    [standInMain, '--port', String(port), '--credentials-file', credentialsFile],
    logFile,
    onExit,
    { wrap, isReady: (e) => e['itsm'] !== undefined },
  );
}

/** plant-1 checks tickets with the stand-in; its assets are the CIs the demo records name. */
export async function configureSiteItsm(itMain: string, itConfig: string, site: string) {
  await runCommand([
    itMain,
    'site-itsm',
    '--config',
    itConfig,
    '--site',
    site,
    '--connector',
    ITSM_CONNECTOR,
    ...['Scheduled', 'Implement', 'In Progress'].flatMap((s) => ['--state', s]),
    ...['hmi-1=HMI-1', 'plc-1=PLC-1', 'opc-1=OPC-1'].flatMap((c) => ['--ci', c]),
  ]);
}
