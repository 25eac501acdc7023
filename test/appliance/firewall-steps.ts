/**
 * Section 7 of docs/install.md in the booted appliances (issues 15 and 16): each role's nft table
 * is loaded; from corp only the IT gateway's portal and SSH ports answer, and its management port
 * only once the management network is set; on the OT machine the service user reaches the IT
 * gateway's 443 and the policy's sshd and nothing else (not even root gets out), and an asset added
 * to the policy opens exactly its address and port through the path unit; the running gateway
 * reloads the policy by itself and audits the new rules as its policy's (`firewall.load`, the new
 * ruleset's SHA-256), and after a restart audits that again. The figures (rules,
 * packets each drop counter counted) are printed.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { waitFor } from '../helpers/wait-for.js';
import {
  listenInMachine,
  listenInNamespace,
  probeFromNamespace,
  probeInMachine,
  tableFigures,
  type Outcome,
  type TableFigures,
} from './host-firewall.js';
import { ADDRESS } from './addresses.js';
import type { Machine } from './machine.js';
import type { Namespaces } from './netns.js';

type RunStep = (name: string, values: Readonly<Record<string, string>>) => Promise<string>;

/** Ports listening in the IT machine besides the gateway's: the management port and another. */
const MANAGEMENT_PORT = 8022;
const OTHER_IT_PORT = 8080;
/** A port listening in the plant that no policy lists at first; the PLC the policy then adds. */
const PLC_PORT = 502;

function report(t: Pick<TestContext, 'diagnostic'>, line: string): void {
  t.diagnostic(line);
  process.stdout.write(`# ${line}\n`);
}

function describe(what: string, f: TableFigures, counters: readonly string[]): string {
  return `${what}: ${f.rules} rules; ${counters.map((c) => `${c} ${f.counted.get(c) ?? 0} packets`).join(', ')}`;
}

export async function checkItFirewall(
  t: Pick<TestContext, 'diagnostic'>,
  o: { it: Machine; ns: Namespaces; runStep: RunStep },
): Promise<void> {
  const { it, ns } = o;
  const ruleset = await it.mustSh('nft list ruleset');
  assert.match(ruleset, /^table inet airlock_it \{/m, 'the IT ruleset is loaded');
  assert.doesNotMatch(ruleset, /airlock_ot/);
  const listener = await listenInMachine(it, 'it', 'airlock-test-listener', [
    MANAGEMENT_PORT,
    OTHER_IT_PORT,
  ]);
  try {
    const at = (p: number): string => `${ADDRESS.itForCorp}:${p}`;
    const targets = [at(443), at(22), at(MANAGEMENT_PORT), at(OTHER_IT_PORT)];
    assert.deepEqual(
      await probeFromNamespace(ns, 'corp', targets),
      {
        [at(443)]: 'open',
        [at(22)]: 'open',
        [at(MANAGEMENT_PORT)]: 'silent',
        [at(OTHER_IT_PORT)]: 'silent',
      },
      'from corp only the portal and SSH ports answer; listening management and other ports are dropped',
    );
    const listed = await o.runStep('it-firewall', { 'management network': `${ADDRESS.corp}/32` });
    // nft may list a one-element set as its element.
    assert.match(
      listed,
      new RegExp(
        `ip saddr \\{? ?${ADDRESS.corp}(/32)? ?\\}? tcp dport \\{? ?${MANAGEMENT_PORT}\\b`,
      ),
    );
    assert.deepEqual(
      await probeFromNamespace(ns, 'corp', targets),
      {
        [at(443)]: 'open',
        [at(22)]: 'open',
        [at(MANAGEMENT_PORT)]: 'open',
        [at(OTHER_IT_PORT)]: 'silent',
      },
      'the management network reaches the management port; the other port stays dropped',
    );
  } finally {
    await listener.stop();
  }
  const figures = tableFigures(await it.mustSh('nft list table inet airlock_it'));
  assert.ok((figures.counted.get('input dropped') ?? 0) >= 1, 'the dropped SYNs were counted');
  report(
    t,
    describe('IT host firewall (table inet airlock_it)', figures, [
      'input dropped',
      'portal, API and OT links',
      "operators' SSH endpoint",
      'management',
    ]),
  );
}

export async function checkOtFirewall(
  t: Pick<TestContext, 'diagnostic'>,
  o: {
    ot: Machine;
    ns: Namespaces;
    runStep: RunStep;
    hmi: Readonly<Record<string, string>>;
    cleanups: (() => Promise<unknown>)[];
    audit: (query: string) => Promise<{ status: number; body: Record<string, unknown> }>;
  },
): Promise<void> {
  const { ot, ns } = o;
  const ruleset = await ot.mustSh('nft list ruleset');
  assert.match(ruleset, /^table inet airlock_ot \{/m, 'the OT ruleset is loaded');
  assert.doesNotMatch(ruleset, /airlock_it/);
  const plc = await listenInNamespace(ns.nameOf('plant'), ADDRESS.plant, [PLC_PORT]);
  o.cleanups.push(() => plc.stop());
  const sshd = `${ADDRESS.plant}:22`;
  const plcAt = `${ADDRESS.plant}:${PLC_PORT}`;
  const unlisted = `${ADDRESS.plant}:2222`;
  const itSsh = `${ADDRESS.itForOt}:22`;
  assert.deepEqual(
    await probeFromNamespace(ns, 'plant', [sshd, plcAt]),
    { [sshd]: 'open', [plcAt]: 'open' },
    'both plant ports listen',
  );
  // This host's own drop in output: connect() fails at once (EPERM) or its SYN goes nowhere,
  // depending on the kernel; both mean the packet never left (the plant answers every port:
  // open, or refused where nothing listens), and the drop counter counts it.
  const dropped = async (
    probe: Promise<Record<string, Outcome>>,
  ): Promise<Record<string, string>> =>
    Object.fromEntries(
      Object.entries(await probe).map(([k, v]) => [
        k,
        v === 'blocked' || v === 'silent' ? 'dropped' : v,
      ]),
    );
  const asService = (targets: readonly string[]) =>
    dropped(probeInMachine(ot, 'ot', 'airlock-ot', targets));
  assert.deepEqual(
    await asService([sshd, plcAt, unlisted, itSsh, `${ADDRESS.itForOt}:443`]),
    {
      [sshd]: 'open',
      [plcAt]: 'dropped',
      [unlisted]: 'dropped',
      [itSsh]: 'dropped',
      [`${ADDRESS.itForOt}:443`]: 'open',
    },
    "the service user reaches the policy's sshd and the IT gateway's 443, nothing else",
  );
  assert.deepEqual(
    await dropped(probeInMachine(ot, 'ot', undefined, [sshd])),
    { [sshd]: 'dropped' },
    'no other user gets out, root included',
  );
  const shown = await o.runStep('ot-firewall', {});
  assert.match(shown, /^active\n/, 'the path unit watches the policy');
  assert.match(shown, new RegExp(`ip daddr ${ADDRESS.plant} tcp dport 22 .*"asset hmi-1"`));
  assert.doesNotMatch(shown, /asset plc-1/);
  const before = tableFigures(await ot.mustSh('nft list table inet airlock_ot'));
  assert.ok((before.counted.get('output dropped') ?? 0) >= 4, 'the dropped connects were counted');
  report(
    t,
    describe('OT host firewall before the policy change', before, [
      'output dropped',
      'it-gateway',
      'asset hmi-1',
    ]),
  );

  // The OT owner adds the PLC: the path unit regenerates and reloads the rules by itself.
  await o.runStep('ot-policy-add', { ...o.hmi, 'plc-1 address': ADDRESS.plant });
  await waitFor(
    'the path unit to open the added asset for the service user',
    async () => (await asService([plcAt]))[plcAt] === 'open',
    30_000,
    200,
  );
  // The load is followed by the file for the next boot, then its report in the unit's journal.
  await waitFor(
    "the firewall unit's report of the new rules",
    async () =>
      (await ot.mustSh('journalctl -u airlock-ot-firewall -o cat')).includes('allows asset plc-1'),
    30_000,
    200,
  );
  assert.deepEqual(
    await asService([sshd, plcAt, unlisted]),
    { [sshd]: 'open', [plcAt]: 'open', [unlisted]: 'dropped' },
    'exactly the added address and port opened',
  );
  // Before the check step: its gateway restart derives the rules again, which zeroes the counters.
  const after = tableFigures(await ot.mustSh('nft list table inet airlock_ot'));
  assert.equal(after.rules, before.rules + 1, 'one rule more: the added asset');
  report(
    t,
    describe('OT host firewall after adding plc-1', after, ['output dropped', 'asset plc-1']),
  );
  // The running gateway reloads the policy by itself (policy.reload) and audits the new rules as
  // its own policy's: its follow of the unit's load (matchesRunningPolicy), or, when the unit loaded
  // them before the gateway reloaded, its check at reload (fileSha256). Either order happens.
  type Load = { outcome: string; details: Record<string, unknown> };
  const loads = async (): Promise<Load[]> => {
    const r = await o.audit(`action=firewall.load`);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return (r.body.events ?? []) as Load[];
  };
  const sha256 = (await ot.mustSh('sha256sum /etc/airlock/nftables-ot.nft')).split(' ')[0] ?? '';
  const reload = await waitFor(
    'the running gateway to serve the new rules without a restart',
    async () =>
      (await loads()).find(
        (e) =>
          e.outcome === 'success' &&
          e.details['sha256'] === sha256 &&
          (e.details['matchesRunningPolicy'] === true || e.details['fileSha256'] === sha256),
      ),
    60_000,
    500,
  );
  assert.equal(reload.outcome, 'success', JSON.stringify(reload));

  const checked = await o.runStep('ot-policy-check', {});
  assert.match(checked, new RegExp(`loaded table inet airlock_ot \\(SHA-256 ${sha256}\\)`));
  assert.match(
    checked,
    new RegExp(`ip daddr ${ADDRESS.plant} tcp dport ${PLC_PORT} .*"asset plc-1"`),
  );
  // The restarted gateway checked the loaded rules against its policy and audited that.
  const atStart = await waitFor(
    "the restarted gateway's check of the new rules in the site audit",
    async () => (await loads()).find((e) => e.details['fileSha256'] === sha256),
    60_000,
    500,
  );
  assert.equal(atStart.outcome, 'success', JSON.stringify(atStart));
  assert.equal(atStart.details['sha256'], sha256, "the loaded rules are its policy's");
  await plc.stop();
}
