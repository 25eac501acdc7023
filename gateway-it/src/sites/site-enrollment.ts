/**
 * Enrolling and revoking sites' OT gateways. Guarantees:
 *  - an enrollment token is 256 random bits, shown once, stored only as its SHA-256, valid for 15
 *    minutes, for one site, usable once; issuing a new one supersedes the site's unused ones;
 *  - enrolling consumes the token atomically with registering the gateway's identity key and its
 *    audit event (`site.enroll`); a refused attempt changes nothing and is audited with the reason;
 *  - a site has at most one active gateway key; enrolling a new key replaces the old one, and a
 *    revoked key is refused for good (to come back, a gateway needs a new identity);
 *  - tokens never appear in logs, audit details or errors (a short reference of the hash does).
 */
import { randomBytes } from 'node:crypto';
import type { AuditLog } from '../../../shared/src/audit/audit-log.js';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError, type ErrorKind } from '../../../shared/src/errors.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Db } from '../../../shared/src/store/open-database.js';
import { sha256Hex } from '../../../shared/src/crypto/hash.js';
import { toBase64Url } from '../../../shared/src/crypto/encoding.js';
import {
  ENROLLMENT_TOKEN_TTL_MS,
  type EnrollRequest,
  type EnrollResponse,
} from '../../../shared/src/link/enrollment.js';
import type { SiteStore, SiteGateway, SiteGatewayStore } from '../store/store.js';
import { writeTransaction } from '../../../shared/src/store/write-transaction.js';

export interface SiteEnrollmentDeps {
  readonly db: Db;
  readonly audit: AuditLog;
  readonly sites: SiteStore;
  readonly gateways: SiteGatewayStore;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** The IT gateway's session-ticket signing public key, handed to enrolling gateways. */
  readonly grantPublicKey: Uint8Array;
  /** Lowercase hex SHA-256 of the IT gateway's TLS certificate. */
  readonly tlsFingerprint: string;
  /** Told when a site's gateway was revoked in this process, so live links close at once. */
  readonly onRevoked: (site: string) => void;
}

export interface IssuedToken {
  readonly site: string;
  /** Shown once; only its hash is kept. */
  readonly token: string;
  readonly expiresAt: number;
  readonly itFingerprint: string;
}

/** A short, non-secret reference to a token (a prefix of its hash) for audit and support. */
export function tokenRef(tokenHash: string): string {
  return tokenHash.slice(0, 12);
}

export class SiteEnrollment {
  constructor(private readonly deps: SiteEnrollmentDeps) {}

  issueToken(site: string, actor: string): IssuedToken {
    const { deps } = this;
    if (deps.sites.get(site) === undefined)
      throw new AirlockError('not_found', 'site.not_found', `site ${site} does not exist`);
    const token = `aet_${toBase64Url(randomBytes(32))}`;
    const tokenHash = sha256Hex(token);
    const now = deps.clock.now();
    const expiresAt = now + ENROLLMENT_TOKEN_TTL_MS;
    writeTransaction(deps.db, () => {
      const superseded = deps.gateways.supersedeTokens(site, now);
      deps.gateways.insertToken({ tokenHash, site, createdAt: now, createdBy: actor, expiresAt });
      deps.audit.append({
        action: 'site.enroll_token',
        actor,
        site,
        target: site,
        outcome: 'success',
        details: { tokenRef: tokenRef(tokenHash), expiresAt, supersededTokens: superseded },
      });
    })();
    return { site, token, expiresAt, itFingerprint: deps.tlsFingerprint };
  }

  /** Registers the presented identity for the token's site, or refuses (audited) with the reason. */
  enroll(request: EnrollRequest, source: string): EnrollResponse {
    const { deps } = this;
    const tokenHash = sha256Hex(request.token);
    const now = deps.clock.now();
    const facts = {
      tokenRef: tokenRef(tokenHash),
      publicKey: request.publicKey,
      gatewayVersion: request.gatewayVersion,
      source,
    };
    const refuse = (kind: ErrorKind, code: string, message: string): never => {
      deps.audit.append({
        action: 'site.enroll',
        actor: `gateway:${request.site}`,
        site: request.site,
        target: request.site,
        outcome: 'denied',
        details: { ...facts, code, reason: message },
      });
      throw new AirlockError(kind, code, message);
    };
    const token = deps.gateways.token(tokenHash);
    if (token === undefined)
      return refuse('unauthenticated', 'enroll.bad_token', 'the enrollment token is not valid');
    if (token.usedAt !== null)
      return refuse(
        'unauthenticated',
        'enroll.token_used',
        'the enrollment token was already used; ask an admin for a new one',
      );
    if (token.supersededAt !== null)
      return refuse(
        'unauthenticated',
        'enroll.token_superseded',
        'the enrollment token was replaced by a newer one; use the newest token',
      );
    if (token.expiresAt <= now)
      return refuse(
        'unauthenticated',
        'enroll.token_expired',
        'the enrollment token has expired; ask an admin for a new one',
      );
    if (token.site !== request.site)
      return refuse(
        'access_denied',
        'enroll.wrong_site',
        `the enrollment token is for another site, not ${request.site}`,
      );
    const known = deps.gateways.byPublicKey(request.publicKey);
    if (known !== undefined && known.site !== request.site)
      return refuse(
        'conflict',
        'enroll.key_other_site',
        'this gateway identity is enrolled for another site',
      );
    if (known?.state === 'revoked')
      return refuse(
        'access_denied',
        'enroll.key_revoked',
        'this gateway identity was revoked; enroll with a new identity',
      );

    const gatewayId = known?.id ?? deps.ids.next('gw');
    writeTransaction(deps.db, () => {
      if (!deps.gateways.useToken(tokenHash, now))
        throw new AirlockError(
          'conflict',
          'enroll.token_used',
          'the enrollment token was already used; ask an admin for a new one',
        );
      const current = deps.gateways.active(request.site);
      if (current !== undefined && current.id !== known?.id)
        deps.gateways.setState(current.id, 'replaced', now, 'enrollment');
      if (known === undefined)
        deps.gateways.insertGateway({
          id: gatewayId,
          site: request.site,
          publicKey: request.publicKey,
          now,
          by: `token:${tokenRef(tokenHash)}`,
          version: request.gatewayVersion,
        });
      else
        deps.gateways.reactivate(
          known.id,
          now,
          `token:${tokenRef(tokenHash)}`,
          request.gatewayVersion,
        );
      deps.audit.append({
        action: 'site.enroll',
        actor: `gateway:${request.site}`,
        site: request.site,
        target: request.site,
        outcome: 'success',
        details: {
          ...facts,
          gatewayId,
          replacedGatewayId: current !== undefined && current.id !== known?.id ? current.id : null,
          reenrolled: known !== undefined,
        },
      });
    })();
    return {
      site: request.site,
      gatewayId,
      grantPublicKey: toBase64Url(deps.grantPublicKey),
      itFingerprint: deps.tlsFingerprint,
    };
  }

  /** Revokes the site's active gateway: its key is refused from now on and its links close. */
  revoke(site: string, actor: string, reason: string): SiteGateway {
    const { deps } = this;
    if (deps.sites.get(site) === undefined)
      throw new AirlockError('not_found', 'site.not_found', `site ${site} does not exist`);
    const active = deps.gateways.active(site);
    if (active === undefined)
      throw new AirlockError(
        'not_found',
        'site.no_gateway',
        `site ${site} has no enrolled gateway to revoke`,
      );
    const now = deps.clock.now();
    writeTransaction(deps.db, () => {
      deps.gateways.setState(active.id, 'revoked', now, actor);
      deps.audit.append({
        action: 'site.revoke',
        actor,
        site,
        target: site,
        outcome: 'success',
        details: { gatewayId: active.id, publicKey: active.publicKey, reason },
      });
    })();
    deps.onRevoked(site);
    const revoked = deps.gateways.byId(active.id);
    if (revoked === undefined)
      throw new AirlockError('internal', 'site.gateway_vanished', 'revoked gateway not found');
    return revoked;
  }
}
