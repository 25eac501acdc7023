/** Users and their roles. Password hashes and sealed TOTP secrets are stored here and never returned by listing queries. */
import type { Db } from '../../../shared/src/store/open-database.js';
import type { UserId } from '../../../shared/src/ids.js';

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
}

export interface NewUser {
  readonly id: UserId;
  readonly name: string;
  readonly displayName: string;
  readonly passwordHash: string;
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
      roles: db.prepare<[string], { role: Role; site: string }>('SELECT role, site FROM user_roles WHERE user_id = ? ORDER BY role, site'),
    };
  }

  /** Inserts the user and roles in one transaction (the caller may wrap it with its audit event). */
  insert(u: NewUser): void {
    this.db.transaction(() => {
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
    return r === undefined ? undefined : { passwordHash: r.password_hash, totpSecretSealed: r.totp_secret_sealed === null ? null : new Uint8Array(r.totp_secret_sealed) };
  }

  list(): User[] {
    return this.stmts.list.all().map((r) => this.toUser(r));
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
      roles: this.stmts.roles.all(r.id).map((x) => (x.site === '' ? { role: x.role } : { role: x.role, site: x.site })),
      mfaEnrolled: r.totp_enrolled_at !== null,
      createdAt: r.created_at,
    };
  }
}
