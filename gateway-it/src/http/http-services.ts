/** The services the portal and the API are two faces of (handed over by http.ts). */
import type { Clock } from '../../../shared/src/clock.js';
import type { Access } from '../access/access.js';
import type { AuditSearch, EvidencePacks, ExportApprovals, ExportJobs } from '../audit/audit.js';
import type { Auth } from '../auth/auth.js';
import type { Modbus } from '../modbus/modbus.js';
import type { Notify } from '../notify/notify.js';
import type { OpcuaPoints } from '../opcua/opcua.js';
import type { PlaybackApprovals, RecordingLibrary } from '../recording/recording.js';
import type { CommandReviews, OperatorSessions } from '../sessions/sessions.js';
import type { Itsm } from '../itsm/itsm.js';
import type { FirstAdminSetup } from '../setup/setup.js';
import type { OwnerEnrollmentRelay, SiteEnrollment, Sites } from '../sites/sites.js';
import type { Sso } from '../sso/sso.js';

/** The auditor's services: search, the asset page, exports, four-eyes playback. */
export interface AuditHttpServices {
  readonly search: AuditSearch;
  readonly exports: ExportJobs;
  /** Evidence packs of one grant or maintenance window (auditors and OT owners of the site). */
  readonly evidence: EvidencePacks;
  /** Four-eyes exports: a bundle with recordings waits for a second person, like playback. */
  readonly exportApprovals: ExportApprovals;
  readonly playback: PlaybackApprovals;
  /** The IT audit signing key (base64url), shown on the export page: it verifies bundles. */
  readonly publicKey: string;
}

/** How operators reach the SSH endpoint and the host key they pin (hints, the SSH keys page). */
export interface SshHttpFacts {
  /** Host and port operators use for `ssh -p <port> user:asset@host`. */
  readonly hint: { readonly host: string; readonly port: number };
  readonly hostKey: { readonly fingerprint: string; readonly publicKey: string };
  /** Keys a key + code login made fresh (no code until then): shown on the keys page, ended by their user. */
  readonly freshKeys: {
    freshUntilByKey(userId: string): ReadonlyMap<string, number>;
    endShift(user: { readonly id: string; readonly name: string }, via: 'portal' | 'api'): number;
  };
  /** One-time links that confirm a waiting SSH login (ssh/ssh-confirmations.ts): the confirm page. */
  readonly confirmations: {
    describe(code: string, by: SshConfirmerFacts): SshConfirmationFacts;
    confirm(code: string, by: SshConfirmerFacts): SshConfirmationFacts;
  };
}

/** Who opens an SSH confirmation link: the portal user and their address. */
export interface SshConfirmerFacts {
  readonly id: string;
  readonly name: string;
  readonly source: string;
}

/** What the confirm page shows: the key, where the SSH client connects from, until when. */
export interface SshConfirmationFacts {
  readonly code: string;
  readonly keyFingerprint: string;
  readonly source: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export interface AccessHttpServices {
  readonly clock: Clock;
  readonly auth: Auth;
  readonly access: Access;
  /** Each site's ITSM check (admin API and the site page). */
  readonly itsm: Pick<Itsm, 'settings' | 'connectorNames'>;
  /** The sites' OT gateways: enrollment tokens and revocation (admin API and the admin's site page). */
  readonly siteEnrollment: Pick<SiteEnrollment, 'issueToken' | 'revoke'>;
  /** What each site's OT gateway found by discovery (the OT owners' read-only page). */
  readonly siteDiscovery: Pick<Sites, 'discoveryOf'>;
  /** Each site's learn windows and proposals (the OT owners' and auditors' read-only page). */
  readonly siteLearning: Pick<Sites, 'learningOf'>;
  /** OT owners' passkey enrollment for their site's approvals, relayed over the link. */
  readonly ownerEnrollment: Pick<OwnerEnrollmentRelay, 'options' | 'complete'>;
  /** Live operator sessions: the web terminal, supervision and ending a session. */
  readonly sessions: OperatorSessions;
  /** The Modbus points page. */
  readonly modbus: Modbus;
  /** The OPC UA points page. */
  readonly opcuaPoints: OpcuaPoints;
  /** Recordings received from the sites. */
  readonly recordings: RecordingLibrary;
  /** Command lines held for review by the sites. */
  readonly reviews: CommandReviews;
  /** Auditor search, asset page, exports and four-eyes playback. */
  readonly audit: AuditHttpServices;
  /** First admin set-up with the console's one-time code (the set-up page and API). */
  readonly setup: FirstAdminSetup;
  /** Single sign-on: the login page's provider buttons and the redirect URI's handler. */
  readonly sso: Sso;
  /** Undefined when the SSH endpoint is off (`ssh.enabled` false): no hints, no host key. */
  readonly ssh: SshHttpFacts | undefined;
  /** E-mail settings, site webhooks, and the live "what waits" signal for the header. */
  readonly notify: Pick<Notify, 'settings' | 'pending'>;
}
