/**
 * Enrolled OT gateways (one identity key each, at most one active per site) and the one-time
 * enrollment tokens that let them enroll. Only token hashes are stored. Callers wrap writes in a
 * transaction with their audit event.
 */
import type { Db } from '../../../shared/src/store/open-database.js';

export type GatewayState = 'active' | 'revoked' | 'replaced';

export interface SiteGateway {
  readonly id: string;
  readonly site: string;
  /** base64url Ed25519 public key. */
  readonly publicKey: string;
  readonly state: GatewayState;
  readonly enrolledAt: number;
  readonly stateChangedAt: number;
  readonly stateChangedBy: string;
  readonly lastSeen: number | null;
  readonly gatewayVersion: string | null;
}

export interface EnrollmentToken {
  readonly tokenHash: string;
  readonly site: string;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly expiresAt: number;
  readonly usedAt: number | null;
  readonly supersededAt: number | null;
}

interface GatewayRow {
  id: string;
  site: string;
  public_key: string;
  state: GatewayState;
  enrolled_at: number;
  state_changed_at: number;
  state_changed_by: string;
  last_seen: number | null;
  gateway_version: string | null;
}

interface TokenRow {
  token_hash: string;
  site: string;
  created_at: number;
  created_by: string;
  expires_at: number;
  used_at: number | null;
  superseded_at: number | null;
}

const toGateway = (r: GatewayRow): SiteGateway => ({
  id: r.id,
  site: r.site,
  publicKey: r.public_key,
  state: r.state,
  enrolledAt: r.enrolled_at,
  stateChangedAt: r.state_changed_at,
  stateChangedBy: r.state_changed_by,
  lastSeen: r.last_seen,
  gatewayVersion: r.gateway_version,
});

const toToken = (r: TokenRow): EnrollmentToken => ({
  tokenHash: r.token_hash,
  site: r.site,
  createdAt: r.created_at,
  createdBy: r.created_by,
  expiresAt: r.expires_at,
  usedAt: r.used_at,
  supersededAt: r.superseded_at,
});

export class SiteGatewayStore {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      insertToken: db.prepare(
        'INSERT INTO enrollment_tokens (token_hash, site, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?)',
      ),
      supersedeTokens: db.prepare(
        'UPDATE enrollment_tokens SET superseded_at = ? WHERE site = ? AND used_at IS NULL AND superseded_at IS NULL',
      ),
      token: db.prepare<[string], TokenRow>('SELECT * FROM enrollment_tokens WHERE token_hash = ?'),
      useToken: db.prepare(
        'UPDATE enrollment_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND superseded_at IS NULL AND expires_at > ?',
      ),
      insertGateway: db.prepare(
        "INSERT INTO site_gateways (id, site, public_key, state, enrolled_at, state_changed_at, state_changed_by, gateway_version) VALUES (?, ?, ?, 'active', ?, ?, ?, ?)",
      ),
      setState: db.prepare(
        'UPDATE site_gateways SET state = ?, state_changed_at = ?, state_changed_by = ? WHERE id = ?',
      ),
      reactivate: db.prepare(
        "UPDATE site_gateways SET state = 'active', enrolled_at = ?, state_changed_at = ?, state_changed_by = ?, gateway_version = ? WHERE id = ?",
      ),
      active: db.prepare<[string], GatewayRow>(
        "SELECT * FROM site_gateways WHERE site = ? AND state = 'active'",
      ),
      latest: db.prepare<[string], GatewayRow>(
        'SELECT * FROM site_gateways WHERE site = ? ORDER BY state_changed_at DESC, rowid DESC LIMIT 1',
      ),
      byKey: db.prepare<[string], GatewayRow>('SELECT * FROM site_gateways WHERE public_key = ?'),
      byId: db.prepare<[string], GatewayRow>('SELECT * FROM site_gateways WHERE id = ?'),
      seen: db.prepare('UPDATE site_gateways SET last_seen = ?, gateway_version = ? WHERE id = ?'),
    };
  }

  insertToken(t: Omit<EnrollmentToken, 'usedAt' | 'supersededAt'>): void {
    this.stmts.insertToken.run(t.tokenHash, t.site, t.createdAt, t.createdBy, t.expiresAt);
  }

  /** Marks the site's unused tokens as superseded (a new token replaces them). */
  supersedeTokens(site: string, now: number): number {
    return this.stmts.supersedeTokens.run(now, site).changes;
  }

  token(tokenHash: string): EnrollmentToken | undefined {
    const r = this.stmts.token.get(tokenHash);
    return r === undefined ? undefined : toToken(r);
  }

  /** Consumes the token if it is still usable at `now`; true if this call consumed it (atomic). */
  useToken(tokenHash: string, now: number): boolean {
    return this.stmts.useToken.run(now, tokenHash, now).changes === 1;
  }

  insertGateway(g: {
    id: string;
    site: string;
    publicKey: string;
    now: number;
    by: string;
    version: string;
  }): void {
    this.stmts.insertGateway.run(g.id, g.site, g.publicKey, g.now, g.now, g.by, g.version);
  }

  reactivate(id: string, now: number, by: string, version: string): void {
    this.stmts.reactivate.run(now, now, by, version, id);
  }

  setState(id: string, state: GatewayState, now: number, by: string): void {
    this.stmts.setState.run(state, now, by, id);
  }

  active(site: string): SiteGateway | undefined {
    const r = this.stmts.active.get(site);
    return r === undefined ? undefined : toGateway(r);
  }

  /** The site's most recently changed gateway (active, or the last revoked/replaced one). */
  latest(site: string): SiteGateway | undefined {
    const r = this.stmts.latest.get(site);
    return r === undefined ? undefined : toGateway(r);
  }

  byPublicKey(publicKey: string): SiteGateway | undefined {
    const r = this.stmts.byKey.get(publicKey);
    return r === undefined ? undefined : toGateway(r);
  }

  byId(id: string): SiteGateway | undefined {
    const r = this.stmts.byId.get(id);
    return r === undefined ? undefined : toGateway(r);
  }

  recordSeen(id: string, at: number, version: string): void {
    this.stmts.seen.run(at, version, id);
  }
}
