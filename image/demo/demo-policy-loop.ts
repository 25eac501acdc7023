/**
 * The demo banner's policy loop (docs/policy.md): the commands olga, the site's OT owner, runs on
 * the OT gateway to discover the plant, onboard the new device, learn plc-1's `job` profile while
 * alice runs a job through `ssh -N -L`, review the proposal with its replay, and apply it; the
 * running gateway reloads each change, so nothing restarts. Each command is printed whole (absolute
 * paths), so it can be copied as it is; `<dsp_...>` and `<prp_...>` are the ids the previous
 * command printed. test/e2e/demo-policy-loop.test.ts runs these very lines.
 */

export interface PolicyLoopOptions {
  /** The OT gateway's CLI (`airlock-ot`: node and the compiled main.js). */
  readonly otCli: string;
  readonly otConfig: string;
  /** The new device: the second simulated PLC, not in the policy at start. */
  readonly newPlc: { readonly host: string; readonly port: number };
  /** The local port of alice's `ssh -L` to plc-1 (as in the Modbus lines above). */
  readonly modbusLocal: number;
}

/** The banner lines, each command after a label in the same column as the other examples. */
export function policyLoopLines(o: PolicyLoopOptions): string {
  const ot = (args: string): string => `${o.otCli} ${args} --config ${o.otConfig}`;
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
`;
}
