/**
 * The cli subsystem: the IT gateway's administrative verbs that an operator runs on the appliance
 * (sites, accounts, windows and vendor schedules, evidence packs); main.ts registers them beside `run`, the
 * appliance's maintenance verbs and `audit-key`.
 *
 * Guarantees: each verb parses its arguments into typed values before it touches anything (a usage
 * error names the bad argument and changes nothing), acts through the same services as the portal and
 * API, and is audited with the operator's login name as actor. Not here: argv and environment parsing
 * (shared/src/cli/), building the gateway (app.ts, through the context main.ts passes).
 */
export { createSiteCommands } from './site-commands.js';
export { createUserCommands } from './user-commands.js';
export { createScheduleCommands } from './schedule-commands.js';
export { createEvidenceCommands } from './evidence-commands.js';
export type { ItCliContext } from './cli-context.js';
