/**
 * The IT end of every site's link: the WebSocket endpoint on the HTTPS port (`/link/...`), the
 * handshake that admits only a site's active, enrolled OT gateway, one control link per site and
 * one data connection per session. The OT gateways dial in; this side never dials out.
 *
 * What the rest of the gateway gets: `SiteLinkStates` (is a site online) and `SiteCommands`
 * (lockdown, ending sessions, opening a session for a signed ticket, review decisions), both
 * declared in sites/. Frames coming up are handed to their owners: audit batches to the audit
 * ingest, recording chunks to the recording ingest, catalogues to sites/, and held command lines
 * to the review inbox sessions/ registers with `onReviews`.
 *
 * Guarantees: every frame is decoded by the shared codec and a bad one closes the link (audited
 * `link.violation`); every connection, refusal and disconnect is audited; a site revoked in this
 * process is cut off at once, one revoked elsewhere at the next heartbeat; a command reports
 * whether the site confirmed it. Not here: verifying tickets or enforcing anything on the plant
 * (the OT gateway does), and deciding reviews (sessions/).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Clock } from '../../../shared/src/clock.js';
import type { Logger } from '../../../shared/src/log.js';
import type { Audit } from '../audit/audit.js';
import type { ItConfig } from '../config/config.js';
import type { Recording } from '../recording/recording.js';
import type { SiteCommands, SiteLinkStates, Sites } from '../sites/sites.js';
import type { ItStore } from '../store/store.js';
import type { ReviewInbox } from './control-link.js';
import { LinkAuthenticator } from './link-authenticator.js';
import { createLinkEndpoint } from './link-endpoint.js';
import { SiteLinks } from './site-links.js';

export type { ReviewInbox } from './control-link.js';

export interface Links extends SiteLinkStates, SiteCommands {
  /** Registers where lines held for review go; until then each is denied at once (fail closed). */
  onReviews(inbox: ReviewInbox): void;
  /** Takes a WebSocket upgrade for a `/link/` path (true), or leaves it to others (false). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Stops taking connections, closes every link and data connection, and waits for them. */
  close(reason: string): Promise<void>;
}

export interface LinksDeps {
  readonly config: Pick<ItConfig, 'link'>;
  readonly store: Pick<ItStore, 'audit' | 'gateways' | 'keys'>;
  /** Takes the sites' audit batches. */
  readonly audit: Pick<Audit, 'ingest'>;
  /** Takes the sites' recording chunks. */
  readonly recording: Pick<Recording, 'ingest'>;
  readonly sites: Pick<
    Sites,
    'updateCatalogue' | 'updateDiscovery' | 'updateLearning' | 'onRevoked'
  >;
  readonly clock: Clock;
  readonly log: Logger;
}

export function createLinks(deps: LinksDeps): Links {
  const { store, clock } = deps;
  const config = deps.config.link;
  const log = deps.log.child({ component: 'link' });
  const links = new SiteLinks({
    clock,
    log,
    audit: store.audit,
    gateways: store.gateways,
    openTimeoutMs: config.openTimeoutSeconds * 1000,
    commandTimeoutMs: config.commandTimeoutSeconds * 1000,
    control: {
      clock,
      log,
      audit: store.audit,
      ingest: deps.audit.ingest,
      recordings: deps.recording.ingest,
      gateways: store.gateways,
      updateCatalogue: (site, gatewayId, assets, approvals) =>
        deps.sites.updateCatalogue(site, gatewayId, assets, approvals),
      updateDiscovery: (site, gatewayId, proposals) =>
        deps.sites.updateDiscovery(site, gatewayId, proposals),
      updateLearning: (site, gatewayId, status) =>
        deps.sites.updateLearning(site, gatewayId, status),
      heartbeatMs: Math.round(config.heartbeatSeconds * 1000),
      offlineAfterMs: Math.round(config.offlineAfterSeconds * 1000),
    },
  });
  const endpoint = createLinkEndpoint({
    authenticator: new LinkAuthenticator({
      gateways: store.gateways,
      audit: store.audit,
      clock,
      log,
      tlsFingerprint: store.keys.tls.fingerprint,
      handshakeTimeoutMs: config.handshakeTimeoutSeconds * 1000,
    }),
    links,
    clock,
    log,
  });
  deps.sites.onRevoked((site) => links.disconnectSite(site, 'gateway revoked'));
  return {
    get: (site) => links.get(site),
    setLockdown: (site, on, reason) => links.setLockdown(site, on, reason),
    endGrantSessions: (site, grantId, reason) => links.endGrantSessions(site, grantId, reason),
    endSession: (site, sessionId, reason) => links.endSession(site, sessionId, reason),
    openSession: (site, ticket) => links.openSession(site, ticket),
    sendReviewDecision: (site, decision) => links.sendReviewDecision(site, decision),
    relayOwnerEnrollment: (site, owner, registration) =>
      links.relayOwnerEnrollment(site, owner, registration),
    onReviews: (inbox) => links.onReviews(inbox),
    handleUpgrade: (req, socket, head) => endpoint.handleUpgrade(req, socket, head),
    async close(reason) {
      endpoint.close();
      await links.closeAll(reason);
    },
  };
}
