/**
 * The site's rules applied to a table-API record: the state is one the site allows (compared
 * without case against the shown state and its raw value), the planned start and end cover the
 * whole requested window (a record without both cannot cover it), and, where the record lists
 * configuration items, each requested asset's CI is among them. A pure function: the first rule
 * broken is the reason.
 */
import type { TicketRecord } from './connector.js';

export interface TicketRules {
  readonly allowedStates: readonly string[];
}

export interface RequestShape {
  readonly assets: readonly { readonly asset: string; readonly ci: string }[];
  readonly startsAt: number;
  readonly endsAt: number;
}

export type Judgement =
  | { readonly allow: true; readonly reason: string }
  | { readonly allow: false; readonly reason: string };

const iso = (t: number): string => new Date(t).toISOString();

export function judgeRecord(
  record: TicketRecord,
  rules: TicketRules,
  req: RequestShape,
): Judgement {
  const states = rules.allowedStates.map((s) => s.toLowerCase());
  const shown = [record.state, record.stateValue ?? ''].map((s) => s.toLowerCase());
  if (!shown.some((s) => s !== '' && states.includes(s)))
    return {
      allow: false,
      reason: `${record.number} is in state "${record.state}"; this site accepts ${rules.allowedStates.map((s) => `"${s}"`).join(', ')}`,
    };
  if (record.plannedStart === null || record.plannedEnd === null)
    return {
      allow: false,
      reason: `${record.number} has no planned start and end to cover the request`,
    };
  if (req.startsAt < record.plannedStart || req.endsAt > record.plannedEnd)
    return {
      allow: false,
      reason: `${record.number} is planned ${iso(record.plannedStart)} to ${iso(record.plannedEnd)}; the request (${iso(req.startsAt)} to ${iso(req.endsAt)}) falls outside it`,
    };
  if (record.cis.length > 0) {
    const cis = new Set(record.cis.map((c) => c.toLowerCase()));
    const missing = req.assets.filter((a) => !cis.has(a.ci.toLowerCase()));
    if (missing.length > 0)
      return {
        allow: false,
        reason: `${record.number} does not name ${missing.map((a) => (a.ci === a.asset ? a.asset : `${a.asset} (CI ${a.ci})`)).join(', ')}; it lists ${record.cis.join(', ')}`,
      };
  }
  return {
    allow: true,
    reason: `${record.number} is "${record.state}" and covers the window${record.cis.length > 0 ? ' and the assets' : ''}`,
  };
}
