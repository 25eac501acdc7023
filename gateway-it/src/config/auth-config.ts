/**
 * The `auth` section of the IT gateway's config: portal sessions, API tokens, lockout and backoff
 * of failed logins, the password-hashing pool and TOTP drift (docs/access.md). Defaults here.
 */
import { z } from 'zod';

export const authConfigSchema = z
  .strictObject({
    sessionIdleMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(15)
      .describe('A portal session ends after this long without a request...'),
    sessionAbsoluteHours: z
      .number()
      .int()
      .min(1)
      .max(24)
      .default(8)
      .describe('...and after this long in any case.'),
    tokenTtlMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(60)
      .describe('Lifetime of an API bearer token.'),
    lockoutThreshold: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(5)
      .describe(
        'Failed logins (password or second factor) of one account from all sources that lock it against sources it has not logged in from (see knownSourceDays)...',
      ),
    lockoutWindowMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(15)
      .describe('...counted within this window...'),
    lockoutMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(15)
      .describe('...for this long (an admin can unlock earlier).'),
    backoffAfterFailures: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(3)
      .describe(
        'Failures of one account from one source (in the lockout window) before backoff starts...',
      ),
    backoffBaseSeconds: z
      .number()
      .int()
      .min(1)
      .max(3600)
      .default(2)
      .describe(
        '...then each failure blocks that account from that source for this long, doubling...',
      ),
    backoffMaxMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(15)
      .describe('...up to this long.'),
    knownSourceDays: z
      .number()
      .int()
      .min(0)
      .max(365)
      .default(30)
      .describe(
        'A source an account completed a login from within this many days is not held back by its lock.',
      ),
    sourceFailureLimit: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(20)
      .describe(
        'Failed logins from one source address within the window before it is refused (429).',
      ),
    sourceWindowMinutes: z
      .number()
      .int()
      .min(1)
      .max(24 * 60)
      .default(10)
      .describe('The window sourceFailureLimit counts in.'),
    passwordWorkers: z
      .number()
      .int()
      .min(1)
      .max(16)
      .optional()
      .describe(
        'Threads that hash and verify passwords (argon2id, about 120 ms and 64 MiB each), off the event loop. Default: one less than the cores, at least 1, at most 4.',
      ),
    passwordQueue: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(32)
      .describe(
        'Password checks that may wait for a thread; one more is refused at once (503 / SSH failure).',
      ),
    passwordChecksPerSource: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(2)
      .describe(
        'Password checks one source address may have in flight at once; one more is refused (429).',
      ),
    totpDriftSteps: z
      .number()
      .int()
      .min(0)
      .max(2)
      .default(1)
      .describe(
        'TOTP codes accepted this many 30 s steps before or after the current one (clock drift).',
      ),
  })
  .prefault({})
  .describe('Login, MFA, web sessions and API tokens.');
