/**
 * The config subsystem: the OT gateway's configuration file, with environment overrides, checked
 * against one strict schema with its defaults (ot-config.ts).
 *
 * Guarantees: an unknown key is an error, every problem is reported at once naming its key, and
 * relative paths resolve against the config file's folder. Not here: the local policy (a file of
 * its own, owned by the OT owner: policy/), secrets (the config holds paths to key files only).
 */
import { listEnvOverrides } from '../../../shared/src/config/load-config.js';
import { OT_ENV_PREFIX, otConfigSchema } from './ot-config.js';

export { loadOtConfig } from './ot-config.js';
export type { OtConfig } from './ot-config.js';

/** One line per environment variable that overrides a config key (`AIRLOCK_OT_SITE -> site`). */
export function listOtEnvOverrides(): string[] {
  return listEnvOverrides(otConfigSchema, OT_ENV_PREFIX);
}
