/**
 * First admin set-up, without a default password anywhere. While no admin account exists, each
 * start of the gateway issues a one-time set-up code (100 random bits, shown once on the console
 * and in the journal; only its SHA-256 is stored) and ends the previous one. Whoever holds the code
 * (someone at the appliance's console) creates the first admin with it, choosing the password; the
 * account then enrolls its TOTP authenticator before it can log in (the callers start that
 * enrollment at once). The code is spent in the same transaction that creates the admin, so it
 * works exactly once; every refused attempt is audited (`setup.refuse`).
 * Not guaranteed: secrecy of the code on the console or in the journal (root and the console see
 * it, which is who may set the appliance up).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { constantTimeEqual } from '../../../shared/src/crypto/hash.js';
import { AirlockError } from '../../../shared/src/errors.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import { omitUndefined } from '../../../shared/src/omit-undefined.js';
import type { Auth, PreparedUser } from '../auth/auth.js';
import type { ItStore } from '../store/store.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface SetupCodeRecord {
  readonly id: string;
  readonly codeHash: string;
  readonly issuedAt: number;
}

/** What set-up needs of storage (the IT store's SetupCodeStore). */
export interface SetupCodes {
  open(): SetupCodeRecord | undefined;
  insert(row: SetupCodeRecord): void;
  end(id: string, at: number, how: 'used' | 'replaced', usedBy: string | null): boolean;
  hasAdmin(): boolean;
}

export interface FirstAdminInput {
  readonly code: string;
  readonly name: string;
  readonly password: string;
  readonly displayName?: string;
}

export interface SetupDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly codes: SetupCodes;
  /** Checks an admin's name and password and hashes it (off the event loop; nothing stored yet). */
  readonly prepareAdmin: (input: {
    name: string;
    password: string;
    displayName?: string;
  }) => Promise<PreparedUser>;
  /** Stores a prepared admin whose second factor is enrolled at first login (user admin). */
  readonly createAdmin: (
    prepared: PreparedUser,
    actor: string,
  ) => { readonly id: string; readonly name: string };
}

export interface FirstAdminSetup {
  /** True while no admin exists and a code is open: the set-up page and API accept a code. */
  isOpen(): boolean;
  /** At start: a new code when there is no admin yet (returned once, for the console), else undefined. */
  issueIfNeeded(): string | undefined;
  /** Creates the first admin with the code; the code is spent. Throws (and audits) on refusal. */
  createFirstAdmin(input: FirstAdminInput, source: string): Promise<{ readonly name: string }>;
}

/** Crockford's base32 without I, L, O, U: what survives being read off a console and typed. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_CHARS = 20;

export function generateSetupCode(): string {
  const bytes = randomBytes(CODE_CHARS);
  let out = '';
  for (let i = 0; i < CODE_CHARS; i++) {
    out += ALPHABET[(bytes[i] ?? 0) & 31];
    if (i % 5 === 4 && i < CODE_CHARS - 1) out += '-';
  }
  return out;
}

/** Case, dashes and spaces do not matter; the letters people confuse with digits are read as them. */
export function normalizeSetupCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
}

function hashOf(code: string): string {
  return createHash('sha256').update(normalizeSetupCode(code)).digest('hex');
}

const ACTOR = 'system:it';

export function createFirstAdminSetup(deps: SetupDeps): FirstAdminSetup {
  const { db, audit, clock, codes } = deps;

  const refuse = (source: string, reason: string, message: string): never => {
    audit.append({
      action: 'setup.refuse',
      actor: `setup:${source}`,
      outcome: 'denied',
      details: { reason, source },
    });
    throw new AirlockError('access_denied', `setup.${reason}`, message, { audited: true });
  };

  return {
    isOpen: () => !codes.hasAdmin() && codes.open() !== undefined,

    issueIfNeeded() {
      if (codes.hasAdmin()) return undefined;
      const code = generateSetupCode();
      const now = clock.now();
      writeTransaction(db, () => {
        const previous = codes.open();
        if (previous !== undefined) codes.end(previous.id, now, 'replaced', null);
        const id = deps.ids.next('stc');
        codes.insert({ id, codeHash: hashOf(code), issuedAt: now });
        audit.append({
          action: 'setup.code_issue',
          actor: ACTOR,
          outcome: 'success',
          details: { codeId: id, replaced: previous?.id ?? null },
        });
      })();
      return code;
    },

    async createFirstAdmin(input, source) {
      if (codes.hasAdmin())
        return refuse(
          source,
          'done',
          'set-up is done: an admin exists. Log in, or ask an admin for an account',
        );
      const open = codes.open();
      if (open === undefined)
        return refuse(
          source,
          'no_code',
          'no set-up code is open: restart the gateway to show a new one on its console',
        );
      if (!constantTimeEqual(hashOf(input.code), open.codeHash))
        return refuse(source, 'wrong_code', 'wrong set-up code');
      // Name and password are checked (and hashed) before anything is spent.
      const prepared = await deps.prepareAdmin({
        name: input.name,
        password: input.password,
        ...omitUndefined({ displayName: input.displayName }),
      });
      const now = clock.now();
      // The admin and the spent code commit together: a refused password leaves the code usable.
      return writeTransaction(db, () => {
        if (codes.hasAdmin())
          return refuse(
            source,
            'done',
            'set-up is done: an admin exists. Log in, or ask an admin for an account',
          );
        const admin = deps.createAdmin(prepared, `setup:${source}`);
        if (!codes.end(open.id, now, 'used', admin.id))
          throw new AirlockError('conflict', 'setup.spent', 'the set-up code was just used');
        audit.append({
          action: 'setup.complete',
          actor: `setup:${source}`,
          target: admin.name,
          outcome: 'success',
          details: { codeId: open.id, userId: admin.id, source },
        });
        return { name: admin.name };
      })();
    },
  };
}

/** The subsystem's factory: set-up over the IT store, creating the first admin through auth/. */
export function createSetup(deps: {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly store: Pick<ItStore, 'db' | 'audit' | 'setupCodes'>;
  readonly auth: Pick<Auth, 'userAdmin'>;
}): FirstAdminSetup {
  return createFirstAdminSetup({
    db: deps.store.db,
    audit: deps.store.audit,
    clock: deps.clock,
    ids: deps.ids,
    codes: deps.store.setupCodes,
    prepareAdmin: (input) =>
      deps.auth.userAdmin.prepareUser({
        ...input,
        roles: [{ role: 'admin' }],
        mfa: 'at-first-login',
      }),
    createAdmin: (prepared, actor) => {
      const created = deps.auth.userAdmin.insertUser(prepared, actor);
      return { id: created.user.id, name: created.user.name };
    },
  });
}
