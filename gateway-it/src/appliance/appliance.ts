/**
 * The IT gateway's maintenance verbs for the appliance: `backup`, `restore`, `migrate` (shared
 * with the OT gateway, see shared/src/backup/maintenance-commands.ts) and `tls-import`. On the
 * appliance `restore` and `tls-import` run as root (they replace files and read files root keeps);
 * the others as the service user (the `airlock-it` wrapper sees to that). See docs/install.md.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, type CliCommand } from '../../../shared/src/cli/run-cli.js';
import { parseCommand } from '../../../shared/src/cli/parse-args.js';
import {
  auditTargetOf,
  maintenanceCommands,
  ownDatabaseFiles,
  type MaintenanceDeps,
} from '../../../shared/src/backup/maintenance-commands.js';
import { appendOfflineAudit } from '../../../shared/src/backup/offline-audit.js';
import { initCrypto } from '../../../shared/src/crypto/sodium.js';
import { formatFingerprint } from '../../../shared/src/crypto/hash.js';
import { IT_AUDIT_KEY, IT_DATABASE_FILE, itLayout, type ItStatePaths } from './it-layout.js';
import { importTls } from './tls-import.js';

export { IT_DATABASE_FILE, type ItStatePaths } from './it-layout.js';

export interface ApplianceCommandDeps<C extends ItStatePaths> extends Omit<
  MaintenanceDeps<C>,
  'role' | 'layoutOf' | 'signingKey' | 'skip'
> {
  /** Where the gateway keeps its certificate and key when the config names none. */
  readonly defaultTls: (config: C) => { readonly certFile: string; readonly keyFile: string };
}

export function applianceCommands<C extends ItStatePaths>(
  deps: ApplianceCommandDeps<C>,
): Record<string, CliCommand> {
  const p = deps.program;
  return {
    ...maintenanceCommands<C>({
      ...deps,
      role: 'it',
      layoutOf: itLayout,
      signingKey: IT_AUDIT_KEY,
      // Export bundles are derived output: an auditor makes them again from the restored chain.
      skip: ['exports'],
    }),
    'tls-import': {
      summary:
        "use an organisation's TLS certificate and key for the portal instead of the self-signed one",
      usage: `usage: ${p} tls-import --config <file> --cert <PEM file> --key <PEM file>

The certificate file may hold the chain after the server certificate. Checks that the key is
unencrypted and belongs to the certificate and that the certificate is valid now, then puts both
where the gateway reads them (tls.certFile/keyFile, or its data directory), keeping the old ones as
<name>.replaced-<time>. Restart the gateway to serve it. OT gateways pin the certificate: sites
enrolled before must enroll again with the new fingerprint (docs/install.md).`,
      async run(argv) {
        const a = parseCommand(argv, {
          config: { type: 'string' },
          cert: { type: 'string' },
          key: { type: 'string' },
        });
        if (!a.ok) throw new UsageError(a.error);
        const v = a.value.values;
        if (v.cert === undefined || v.key === undefined)
          throw new UsageError('--cert and --key are required');
        const config = deps.configFrom(v.config);
        const fallback = deps.defaultTls(config);
        const r = importTls({
          certFile: v.cert,
          keyFile: v.key,
          targetCert: config.tls.certFile ?? fallback.certFile,
          targetKey: config.tls.keyFile ?? fallback.keyFile,
          now: new Date(),
        });
        const layout = itLayout(config);
        if (existsSync(join(layout.dataDir, IT_DATABASE_FILE))) {
          await initCrypto();
          appendOfflineAudit(auditTargetOf(layout, IT_AUDIT_KEY), [
            {
              action: 'tls.import',
              actor: deps.actor,
              target: r.subject,
              outcome: 'success',
              details: {
                fingerprint: r.fingerprint,
                previousFingerprint: r.previousFingerprint ?? null,
                validTo: r.validTo,
              },
            },
          ]);
          ownDatabaseFiles(layout);
        }
        process.stdout.write(
          `${JSON.stringify({ imported: r.subject, tlsFingerprint: formatFingerprint(r.fingerprint), previousFingerprint: r.previousFingerprint === undefined ? null : formatFingerprint(r.previousFingerprint), validTo: r.validTo })}\n`,
        );
        return 0;
      },
    },
  };
}
