/**
 * The environment an operator's SSH client may pass to the target: the locale variables a stock
 * OpenSSH client sends (`SendEnv LANG LC_*`), with values that are locale names only
 * (`C.UTF-8`, `en_US.UTF-8`, `de_DE.ISO-8859-15`, `sr_RS@latin`). Every other variable, and a
 * locale variable whose value is anything else, is refused by the IT gateway and never reaches
 * the OT side; the OT broker checks the same set again (it trusts nothing the IT side sends).
 *
 * Not guaranteed: that the target accepts them (its sshd decides with AcceptEnv) or has the locale.
 */
import { z } from 'zod';

export const LOCALE_ENV_NAMES = [
  'LANG',
  'LC_ALL',
  'LC_ADDRESS',
  'LC_COLLATE',
  'LC_CTYPE',
  'LC_IDENTIFICATION',
  'LC_MEASUREMENT',
  'LC_MESSAGES',
  'LC_MONETARY',
  'LC_NAME',
  'LC_NUMERIC',
  'LC_PAPER',
  'LC_TELEPHONE',
  'LC_TIME',
] as const;
export type LocaleEnvName = (typeof LOCALE_ENV_NAMES)[number];

/** `C`, `POSIX` or language[_TERRITORY], then an optional .charset and @modifier; nothing else. */
export const LOCALE_VALUE =
  /^(?:C|POSIX|[a-z]{2,3}(?:_[A-Z]{2})?)(?:\.[A-Za-z0-9-]{1,20})?(?:@[a-z]{1,16})?$/;

export const localeEnvSchema = z.partialRecord(
  z.enum(LOCALE_ENV_NAMES),
  z.string().max(48).regex(LOCALE_VALUE, 'expected a locale name such as C.UTF-8'),
);
export type LocaleEnv = z.output<typeof localeEnvSchema>;

export function isLocaleEnvName(name: string): name is LocaleEnvName {
  return (LOCALE_ENV_NAMES as readonly string[]).includes(name);
}

/** True when `value` is a locale name this gateway passes on. */
export function isLocaleValue(value: string): boolean {
  return value.length <= 48 && LOCALE_VALUE.test(value);
}
