/** The services the portal and the API are two faces of (handed over by the composition root). */
import type { Clock } from '../../../shared/src/clock.js';
import type { AccessServices } from '../access/access-services.js';
import type { AuthServices } from '../auth/auth-services.js';
import type { SiteEnrollment } from '../sites/site-enrollment.js';
import type { OpcuaPoints } from '../opcua/opcua-points.js';
import type { OperatorSessions } from '../sessions/operator-sessions.js';
import type { RecordingLibrary } from '../recording/recording-library.js';
import type { AuditSearch } from '../audit/audit-search.js';
import type { CommandReviews } from '../sessions/command-reviews.js';
import type { ExportJobs } from '../audit/export-jobs.js';
import type { PlaybackApprovals } from '../recording/playback-approvals.js';
import type { FirstAdminSetup } from '../setup/setup.js';

/** The auditor's services: search, the asset page, exports, four-eyes playback. */
export interface AuditHttpServices {
  readonly search: AuditSearch;
  readonly exports: ExportJobs;
  readonly playback: PlaybackApprovals;
  /** The IT audit signing key (base64url), shown on the export page: it verifies bundles. */
  readonly publicKey: string;
}

export interface AccessHttpServices {
  readonly clock: Clock;
  readonly auth: AuthServices;
  readonly access: AccessServices;
  /** Host and port operators use for `ssh -p <port> user:asset@host` (connect hints). */
  readonly sshHint?: { readonly host: string; readonly port: number };
  /** The sites' OT gateways: enrollment tokens and revocation (admin API and the admin's site page). */
  readonly siteEnrollment?: Pick<SiteEnrollment, 'issueToken' | 'revoke'>;
  /** Live operator sessions: the web terminal, supervision and ending a session (absent: no such pages). */
  readonly sessions?: OperatorSessions;
  /** The OPC UA points page (absent: no such page). */
  readonly opcuaPoints?: OpcuaPoints;
  /** Recordings received from the sites (absent: no recording pages). */
  readonly recordings?: RecordingLibrary;
  /** Audit search over a site's IT and OT events (absent: no audit API). */
  readonly auditSearch?: AuditSearch;
  /** Command lines held for review by the sites (absent: no review pages or API). */
  readonly reviews?: CommandReviews;
  /** Auditor search, asset page, exports and four-eyes playback (absent: no auditor pages). */
  readonly audit?: AuditHttpServices;
  /** The SSH endpoint's host key, shown so operators can pin it (absent when SSH is off). */
  readonly sshHostKey?: { readonly fingerprint: string; readonly publicKey: string };
  /** First admin set-up with the console's one-time code (absent: no set-up page or API). */
  readonly setup?: FirstAdminSetup;
}
