/** Users and their roles. Password hashes and sealed TOTP secrets are stored here and never returned by listing queries. */
import type { Db } from '../../../shared/src/store/open-database.js';
import type { UserId } from '../../../shared/src/ids.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export const ROLES = ['admin', 'engineer', 'ot-owner', 'vendor', 'auditor'] as const;
export type Role = (typeof ROLES)[number];
export const SITE_ROLES: readonly Role[] = ['ot-owner', 'auditor'];

export interface RoleAssignment {
  readonly role: Role;
  /** Set for per-site roles (ot-owner, auditor), absent otherwise. */
  readonly site?: string;
}

export interface User {
  readonly id: UserId;
  readonly name: string;
  readonly displayName: string;
  readonly state: 'active' | 'disabled';
  readonly company: string | null;
  /** ISO date (YYYY-MM-DD); the account cannot log in after it. */
  readonly contractEnd: string | null;
  readonly canBreakGlass: boolean;
  readonly roles: readonly RoleAssignment[];
  readonly mfaEnrolled: boolean;
  readonly createdAt: number;
}

export interface UserCredentials {
  readonly passwordHash: string | null;
  readonly totpSecretSealed: Uint8Array | null;
  /** The last TOTP time step accepted; a code for it or an earlier step is a replay. */
  readonly totpLastStep: number | null;
}

interface UserRow {
  id: string;
  name: string;
  display_name: string;
  password_hash: string | null;
  totp_secret_sealed: Buffer | null;
  totp_enrolled_at: number | null;
  state: 'active' | 'disabled';
  company: string | null;
  contract_end: string | null;
  can_break_glass: number;
  created_at: number;
  totp_last_step: number | null;
}

export interface NewUser {
  readonly id: UserId;
  readonly name: string;
  readonly displayName: string;
  /** Null for an account that logs in only through single sign-on. */
  readonly passwordHash: string | null;
  readonly totpSecretSealed: Uint8Array | null;
  readonly totpEnrolledAt: number | null;
  readonly company: string | null;
  readonly contractEnd: string | null;
  readonly canBreakGlass: boolean;
  readonly roles: readonly RoleAssignment[];
  readonly createdAt: number;
}

export class UserStore {
  private readonly db: Db;
  private readonly stmts;

  constructor(db: Db) {
    this.db = db;
    this.stmts = {
      insert: db.prepare(
        `INSERT INTO users (id, name, display_name, password_hash, totp_secret_sealed, totp_enrolled_at, company, contract_end, can_break_glass, created_at)
         VALUES (@id, @name, @displayName, @passwordHash, @totpSecretSealed, @totpEnrolledAt, @company, @contractEnd, @canBreakGlass, @createdAt)`,
      ),
      insertRole: db.prepare('INSERT INTO user_roles (user_id, role, site) VALUES (?, ?, ?)'),
      byName: db.prepare<[string], UserRow>('SELECT * FROM users WHERE name = ?'),
      byId: db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?'),
      list: db.prepare<[], UserRow>('SELECT * FROM users ORDER BY name'),
      roles: db.prepare<[string], { role: Role; site: string }>(
        'SELECT role, site FROM user_roles WHERE user_id = ? ORDER BY role, site',
      ),
      withSiteRole: db.prepare<[string, string], UserRow>(
        'SELECT u.* FROM users u JOIN user_roles r ON r.user_id = u.id WHERE r.role = ? AND r.site = ? ORDER BY u.name',
      ),
      deleteRoles: db.prepare('DELETE FROM user_roles WHERE user_id = ?'),
      setState: db.prepare('UPDATE users SET state = ? WHERE id = ?'),
      setBreakGlass: db.prepare('UPDATE users SET can_break_glass = ? WHERE id = ?'),
      setContract: db.prepare('UPDATE users SET company = ?, contract_end = ? WHERE id = ?'),
      setDisplayName: db.prepare('UPDATE users SET display_name = ? WHERE id = ?'),
      setPassword: db.prepare('UPDATE users SET password_hash = ? WHERE id = ?'),
      setTotp: db.prepare(
        'UPDATE users SET totp_secret_sealed = ?, totp_enrolled_at = ?, totp_last_step = NULL WHERE id = ?',
      ),
      // Only moves forward: two concurrent logins with the same code cannot both pass.
      advanceTotpStep: db.prepare(
        'UPDATE users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)',
      ),
    };
  }

  /** Inserts the user and roles in one transaction (the caller may wrap it with its audit event). */
  insert(u: NewUser): void {
    writeTransaction(this.db, () => {
      this.stmts.insert.run({
        ...u,
        totpSecretSealed: u.totpSecretSealed === null ? null : Buffer.from(u.totpSecretSealed),
        canBreakGlass: u.canBreakGlass ? 1 : 0,
      });
      for (const r of u.roles) this.stmts.insertRole.run(u.id, r.role, r.site ?? '');
    })();
  }

  getByName(name: string): User | undefined {
    const r = this.stmts.byName.get(name);
    return r === undefined ? undefined : this.toUser(r);
  }

  getById(id: string): User | undefined {
    const r = this.stmts.byId.get(id);
    return r === undefined ? undefined : this.toUser(r);
  }

  credentials(id: string): UserCredentials | undefined {
    const r = this.stmts.byId.get(id);
    return r === undefined
      ? undefined
      : {
          passwordHash: r.password_hash,
          totpSecretSealed:
            r.totp_secret_sealed === null ? null : new Uint8Array(r.totp_secret_sealed),
          totpLastStep: r.totp_last_step,
        };
  }

  list(): User[] {
    return this.stmts.list.all().map((r) => this.toUser(r));
  }

  /** Users holding a per-site role (ot-owner, auditor) for `site`. */
  listWithSiteRole(role: Role, site: string): User[] {
    return this.stmts.withSiteRole.all(role, site).map((r) => this.toUser(r));
  }

  /** Names of a site's active OT owners: who hears of its requests and of its OT alerts. */
  activeOtOwnerNames(site: string): string[] {
    return this.listWithSiteRole('ot-owner', site)
      .filter((u) => u.state === 'active')
      .map((u) => u.name);
  }

  replaceRoles(id: string, roles: readonly RoleAssignment[]): void {
    writeTransaction(this.db, () => {
      this.stmts.deleteRoles.run(id);
      for (const r of roles) this.stmts.insertRole.run(id, r.role, r.site ?? '');
    })();
  }

  setState(id: string, state: User['state']): void {
    this.stmts.setState.run(state, id);
  }

  setCanBreakGlass(id: string, on: boolean): void {
    this.stmts.setBreakGlass.run(on ? 1 : 0, id);
  }

  setContract(id: string, company: string | null, contractEnd: string | null): void {
    this.stmts.setContract.run(company, contractEnd, id);
  }

  setDisplayName(id: string, displayName: string): void {
    this.stmts.setDisplayName.run(displayName, id);
  }

  setPasswordHash(id: string, hash: string): void {
    this.stmts.setPassword.run(hash, id);
  }

  /** Sets (or, with null, removes) the user's TOTP secret; the replay marker starts afresh. */
  setTotp(id: string, sealed: Uint8Array | null, enrolledAt: number | null): void {
    this.stmts.setTotp.run(sealed === null ? null : Buffer.from(sealed), enrolledAt, id);
  }

  /** Records an accepted TOTP step; false if that step (or a later one) was already used. */
  advanceTotpStep(id: string, step: number): boolean {
    return this.stmts.advanceTotpStep.run(step, id, step).changes === 1;
  }

  private toUser(r: UserRow): User {
    return {
      id: r.id as UserId,
      name: r.name,
      displayName: r.display_name,
      state: r.state,
      company: r.company,
      contractEnd: r.contract_end,
      canBreakGlass: r.can_break_glass === 1,
      roles: this.stmts.roles
        .all(r.id)
        .map((x) => (x.site === '' ? { role: x.role } : { role: x.role, site: x.site })),
      mfaEnrolled: r.totp_enrolled_at !== null,
      createdAt: r.created_at,
    };
  }
}
