/**
 * What every administrative verb of `airlock-it` is given by main.ts: the program name, the config
 * loader (a usage error names each invalid key), the acting operator for the audit log, and a way to
 * run against a gateway built from the config (stopped again afterwards, whatever happens).
 */
import type { ItConfig } from '../config/config.js';
import type { ItGateway } from '../app.js';

export interface ItCliContext {
  readonly program: string;
  configFrom(file: string | undefined): ItConfig;
  /** `cli:<login name>`, the actor of the audit events the verbs write. */
  readonly actor: string;
  withGateway<T>(config: ItConfig, fn: (gw: ItGateway) => T | Promise<T>): Promise<T>;
}
