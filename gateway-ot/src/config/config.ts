/**
 * The config subsystem: the OT gateway's configuration file, with environment overrides, checked
 * against one strict schema with its defaults (ot-config.ts).
 *
 * Guarantees: an unknown key is an error, every problem is reported at once naming its key, and
 * relative paths resolve against the config file's folder. Not here: the local policy (a file of
 * its own, owned by the OT owner: policy/), secrets (the config holds paths to key files only).
 */
import { envHelpLines } from '../../../shared/src/config/config-reference.js';
import { OT_ENV_PREFIX, otConfigSchema } from './ot-config.js';

export { loadOtConfig, otConfigSchema, OT_ENV_PREFIX } from './ot-config.js';
export type { OtConfig } from './ot-config.js';

/** Each environment variable that overrides a config key, with its type, default and meaning. */
export function listOtEnvOverrides(): string[] {
  return envHelpLines(otConfigSchema, OT_ENV_PREFIX);
}
