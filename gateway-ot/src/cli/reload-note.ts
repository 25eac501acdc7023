/**
 * What a command that wrote the policy file (`policy apply`, `discover onboard`) can say of the
 * running gateway: it shares the gateway's audit chain, so it looks there (for a few seconds) for
 * the `policy.reload` of the hash it wrote. It says "reloaded" only when it saw that event, and
 * "refused" only when it saw the refusal of that very file; otherwise it says how to reload.
 * Not guaranteed: a gateway that reloads after the wait is not reported (its event is in the chain).
 */
import type { AuditEvent } from '../../../shared/src/audit/audit-event.js';

export const RELOAD_WAIT_MS = 3000;
const POLL_MS = 100;

export interface ReloadNoteDeps {
  /** Audit events since a time (ms), oldest first. */
  readonly events: (fromTime: number) => Iterable<AuditEvent>;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly waitMs?: number;
}

function seen(deps: ReloadNoteDeps, hash: string, since: number): string | undefined {
  for (const e of deps.events(since)) {
    if (e.action !== 'policy.reload') continue;
    if (e.outcome === 'success' && e.details['policySha256'] === hash)
      return `applied; the running gateway reloaded (hash ${hash})`;
    if (e.outcome === 'denied' && e.details['refusedPolicySha256'] === hash)
      return `written, but the running gateway refused it and keeps policy ${String(e.details['policySha256'])}: ${String(e.details['reason'])}`;
  }
  return undefined;
}

/** One line for the operator: the running gateway's reload of `hash`, or how to reload. */
export async function reloadNote(
  deps: ReloadNoteDeps,
  hash: string,
  since: number,
): Promise<string> {
  const until = deps.now() + (deps.waitMs ?? RELOAD_WAIT_MS);
  for (;;) {
    const note = seen(deps, hash, since);
    if (note !== undefined) return note;
    if (deps.now() >= until) break;
    await deps.sleep(POLL_MS);
  }
  return `applied to the file; no running gateway was seen reloading it within ${Math.round((deps.waitMs ?? RELOAD_WAIT_MS) / 1000)} s: a running gateway reloads it with \`systemctl reload airlock-ot\` (SIGHUP), a stopped one reads it at start`;
}
