/**
 * The demo banner's policy loop (docs/policy.md): the commands olga, the site's OT owner, runs on
 * the OT gateway to discover the plant, onboard the new device, learn plc-1's `job` profile while
 * alice runs a job through `ssh -N -L`, review the proposal with its replay, and apply it; the
 * running gateway reloads each change, so nothing restarts. Each command is printed whole (absolute
 * paths), so it can be copied as it is; `<dsp_...>` and `<prp_...>` are the ids the previous
 * command printed. The loop ends with the record: audrey, the auditor, takes the evidence pack of
 * the day's maintenance window (portal button, or `airlock-it evidence-pack` on the IT gateway) and
 * verifies it offline with the IT gateway's audit key, printed whole. The demo site does not require
 * four eyes for exports, so the pack carries its recordings without an approval.
 * test/e2e/demo-policy-loop.test.ts runs these very lines.
 */
import { readFileSync } from 'node:fs';
import { runCommand } from './demo-process.js';

export interface PolicyLoopOptions {
  /** The OT gateway's CLI (`airlock-ot`: node and the compiled main.js). */
  readonly otCli: string;
  readonly otConfig: string;
  /** The new device: the second simulated PLC, not in the policy at start. */
  readonly newPlc: { readonly host: string; readonly port: number };
  /** The local port of alice's `ssh -L` to plc-1 (as in the Modbus lines above). */
  readonly modbusLocal: number;
  /** The IT gateway's CLI (`airlock-it`), its config and the site, for the evidence pack lines. */
  readonly itCli: string;
  readonly itConfig: string;
  readonly site: string;
  /** The IT gateway's audit public key (`airlock-it audit-key`), which verify-export checks. */
  readonly auditKey: string;
  /** The demo's daily maintenance window (the job runs in today's occurrence). */
  readonly windowId: string;
}

/** The file name the evidence lines use for the pack (relative: where audrey saves it). */
export const EVIDENCE_PACK_FILE = 'window-evidence.tar.gz';

/**
 * The banner lines with what the evidence lines need from the IT gateway: its audit key (asked of
 * `airlock-it audit-key`, as an auditor would) and the day's window id (kept in the credentials
 * file at first start; `<win_...>` when an older state dir has none).
 */
export async function policyLoopBanner(
  o: Omit<PolicyLoopOptions, 'itCli' | 'auditKey' | 'windowId'> & {
    readonly itMain: string;
    readonly credentialsFile: string;
  },
): Promise<string> {
  const auditKey = (await runCommand([o.itMain, 'audit-key', '--config', o.itConfig])).trim();
  const saved = JSON.parse(readFileSync(o.credentialsFile, 'utf8')) as { window?: unknown };
  return policyLoopLines({
    ...o,
    itCli: `${process.execPath} ${o.itMain}`,
    auditKey,
    windowId: typeof saved.window === 'string' ? saved.window : '<win_...>',
  });
}

/** The banner lines, each command after a label in the same column as the other examples. */
export function policyLoopLines(o: PolicyLoopOptions): string {
  const ot = (args: string): string => `${o.otCli} ${args} --config ${o.otConfig}`;
  const it = (args: string): string => `${o.itCli} ${args} --config ${o.itConfig}`;
  const mbpoll = `mbpoll -m tcp -p ${o.modbusLocal} -a 1 -t 4`;
  return `  Policy loop     olga, the OT owner, on the OT gateway (docs/policy.md); the running gateway
                  reloads each change of its policy, so nothing restarts:
    discover      ${ot('discover')}
    proposals     ${ot('discover list')}
                  plc-2 (modbus ${o.newPlc.host}:${o.newPlc.port}) is new: it is not in the policy
    onboard       ${ot('discover onboard <dsp_...> --name plc-2')}
    learn         ${ot('policy learn plc-1/job --until 2h')}
    job           alice requests plc-1 with profile job, olga approves; through the ssh -L above:
                  ${mbpoll} -r 1 -c 4 -1 127.0.0.1        read HR 0-3
                  ${mbpoll} -r 1 -1 127.0.0.1 1500        write HR 0 (learned)
                  ${mbpoll} -r 2 -1 127.0.0.1 700         write HR 1 (learned)
    review        ${ot('policy propose plc-1/job --replay-days 1')}
    apply         ${ot('policy apply <prp_...>')}
    enforced      ${mbpoll} -r 7 -1 127.0.0.1 100         HR 6 was not learned: exception 02
    evidence      audrey, the auditor, takes today's window with its recordings (this site needs no
                  four-eyes export approval; docs/audit.md, "Evidence pack"): portal, site ${o.site},
                  "Evidence pack (last occurrence)" beside the window, saved as ${EVIDENCE_PACK_FILE};
                  or on the IT gateway:
    pack          ${it(`evidence-pack --window ${o.windowId} --out ${EVIDENCE_PACK_FILE}`)}
    audit key     ${it('audit-key')}
                  (also on the portal's Export page of ${o.site}); with it, offline, anywhere:
    verify        ${o.itCli} verify-export ${EVIDENCE_PACK_FILE} --public-key=${o.auditKey}
`;
}
