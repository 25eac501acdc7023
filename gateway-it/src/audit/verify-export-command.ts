/**
 * `airlock-it verify-export <bundle> [--public-key <base64url|file>] [--json]`: checks an export
 * bundle with nothing but the bundle. It opens no database and reads no config, so it runs on any
 * machine with Node and this package. Exit 0 verified, 1 verification failed (or the bundle is
 * unreadable), 2 usage.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { UsageError, type CliCommand } from '../../../shared/src/cli/run-cli.js';
import { parseCommand } from '../../../shared/src/cli/parse-args.js';
import { fromBase64Url } from '../../../shared/src/crypto/encoding.js';
import { initCrypto } from '../../../shared/src/crypto/sodium.js';
import {
  formatFinding,
  verifyBundle,
  type BundleVerification,
} from '../../../shared/src/export/verify-bundle.js';
import type { EvidenceManifest } from '../../../shared/src/export/evidence-manifest.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';

function parsePublicKey(text: string): Uint8Array {
  const inline = fromBase64Url(text.trim(), 32);
  if (inline.ok) return inline.value;
  if (!existsSync(text))
    throw new UsageError(
      `--public-key ${text}: neither a base64url Ed25519 public key (43 characters) nor a readable file`,
    );
  const fromFile = fromBase64Url(readFileSync(text, 'utf8').trim(), 32);
  if (!fromFile.ok)
    throw new UsageError(
      `--public-key ${text}: the file does not hold a base64url Ed25519 public key (${fromFile.error})`,
    );
  return fromFile.value;
}

function summary(v: BundleVerification): string {
  const m = v.manifest;
  if (m === undefined) return '';
  const log = (name: 'it' | 'ot'): string => {
    const s = v.logs[name];
    const spec = m.logs[name];
    if (spec === null) return `  ${name.toUpperCase()} log: not in this bundle`;
    if (s === undefined) return `  ${name.toUpperCase()} log: not checked`;
    return `  ${name.toUpperCase()} log: ${s.inRange} events in range, ${s.events} disclosed and ${s.withheld} withheld in the chain segment ${spec.anchor.seq + 1}..${spec.head.seq}, ${s.checkpointsVerified} signed checkpoints verified (key ${spec.publicKey})`;
  };
  return [
    `bundle ${m.exportId}: site ${m.site}, ${new Date(m.range.from).toISOString()} .. ${new Date(m.range.to).toISOString()}, exported by ${m.exportedBy} at ${new Date(m.createdAt).toISOString()}`,
    `  signed by ${m.signer.publicKey}${v.signatureValid ? '' : ' (signature NOT valid)'}; ${v.files} files`,
    log('it'),
    log('ot'),
    ...(m.evidence === undefined ? [] : [evidenceLine(v, m.evidence)]),
    ...m.notes.map((n) => `  note: ${n}`),
  ].join('\n');
}

/** An evidence pack's subject and whether its listed events were proven (evidence-check.ts). */
function evidenceLine(v: BundleVerification, e: EvidenceManifest): string {
  const failed = v.findings.some((f) => f.check.startsWith('evidence.'));
  return `  evidence pack: ${e.subject.kind} ${e.subject.id}, ${e.events.length} listed events ${failed ? 'NOT all proven' : 'proven in the signed chain'} (see evidence/summary.md)`;
}

export const verifyExportCommand: CliCommand = {
  summary: 'verify an audit export bundle offline (no gateway, database or config needed)',
  usage: `usage: airlock-it verify-export <bundle.tar.gz> [--public-key <base64url key | file>] [--json]

Checks the manifest signature, every file's SHA-256, every hash-chain link of the IT and OT events
from their signed anchors through their signed checkpoints, that the events are complete for the
time range, that they all belong to the bundle's site, and that CSV and CEF say what the verified
events say. For an evidence pack (\`airlock-it evidence-pack\`) it also proves that every event the
pack lists is one of the verified chain events, with the same hash. --public-key is the IT gateway's audit key as shown in the portal; without it the
signature is checked against the key inside the bundle only (a warning says so).
Exit status: 0 verified, 1 verification failed, 2 usage error.`,
  async run(argv) {
    const a = parseCommand(argv, { 'public-key': { type: 'string' }, json: { type: 'boolean' } });
    if (!a.ok) throw new UsageError(a.error);
    const [file, ...extra] = a.value.positionals;
    if (file === undefined || extra.length > 0)
      throw new UsageError('expected exactly one bundle file');
    const keyText = a.value.values['public-key'];
    const expectedPublicKey = keyText === undefined ? undefined : parsePublicKey(keyText);
    if (!existsSync(file) || !statSync(file).isFile())
      throw new UsageError(`${file}: no such file`);
    await initCrypto();
    const v = await verifyBundle(
      createReadStream(file, { highWaterMark: 1 << 20 }),
      omitUndefined({ expectedPublicKey }),
    );
    if (a.value.values.json === true) {
      process.stdout.write(
        `${JSON.stringify({ ok: v.ok, signer: v.signer ?? null, signatureValid: v.signatureValid, findings: v.findings, logs: v.logs, manifest: v.manifest ?? null })}\n`,
      );
    } else {
      const s = summary(v);
      process.stdout.write(
        `${v.ok ? 'VERIFIED' : 'VERIFICATION FAILED'}: ${file}\n${s === '' ? '' : `${s}\n`}${v.findings.map((f) => `${formatFinding(f)}\n`).join('')}`,
      );
    }
    return v.ok ? 0 : 1;
  },
};
