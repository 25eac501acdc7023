/**
 * Session recordings on the IT gateway: taking them from the sites over the link (store and
 * forward, resumable, hash-checked against the site's audit chain), keeping them under
 * `<dataDir>/recordings/<site>/<session>.cast`, and playing them in the portal, behind the site's
 * four-eyes playback setting.
 *
 * Guarantees: an acknowledged byte is on disk; a recording plays only once verified (its SHA-256
 * matches the site's claim and the site's `recording.close` event) and only after the playback
 * gate allows it; every status change, playback and approval is audited in the transaction that
 * makes it. Not here: what was recorded (the OT gateway is the authority) and export bundles
 * (audit/ carries recordings as evidence).
 */
import { join } from 'node:path';
import type { Clock } from '../../../shared/src/clock.js';
import type { IdGenerator } from '../../../shared/src/ids.js';
import type { Logger } from '../../../shared/src/log.js';
import type { ItConfig } from '../config/config.js';
import type { ItStore } from '../store/store.js';
import { PlaybackApprovals } from './playback-approvals.js';
import { RecordingIngest } from './recording-ingest.js';
import { RecordingLibrary } from './recording-library.js';

export { canApprovePlayback, decideFourEyes } from './four-eyes-decision.js';
export {
  canSetPlaybackPolicy,
  type PlaybackApprovals,
  type PlaybackGate,
  type PlaybackRequest,
} from './playback-approvals.js';
export type { ChunkReply, RecordingIngest, RecordingPeer } from './recording-ingest.js';
export type { RecordingFilter, RecordingLibrary, RecordingView } from './recording-library.js';
export { RECORDING_STATUSES, recordingFilterSchema } from './recording-library.js';

export interface Recording {
  /** Chunks shipped by the sites (the link hands them over). */
  readonly ingest: RecordingIngest;
  /** The recordings as the portal lists and plays them. */
  readonly library: RecordingLibrary;
  /** Four-eyes playback: the per-site setting, requests and approvals. */
  readonly playback: PlaybackApprovals;
  /** Where a session's recording file is (for export bundles). */
  pathOf(site: string, sessionId: string): string;
}

export interface RecordingDeps {
  readonly store: Pick<ItStore, 'db' | 'audit' | 'recordings' | 'sites'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: Logger;
  /** Recordings are kept under `<dataDir>/recordings`. */
  readonly config: Pick<ItConfig, 'dataDir'>;
}

export function createRecording(deps: RecordingDeps): Recording {
  const { store, clock } = deps;
  const ingest = new RecordingIngest({
    db: store.db,
    audit: store.audit,
    store: store.recordings,
    clock,
    log: deps.log.child({ component: 'recordings' }),
    dir: join(deps.config.dataDir, 'recordings'),
  });
  const pathOf = (site: string, sessionId: string): string => ingest.pathOf(site, sessionId);
  const playback = new PlaybackApprovals({
    db: store.db,
    audit: store.audit,
    clock,
    ids: deps.ids,
    siteExists: (site) => store.sites.get(site) !== undefined,
    recording: (id) => store.recordings.get(id),
  });
  const library = new RecordingLibrary({
    store: store.recordings,
    audit: store.audit,
    pathOf,
    playback,
  });
  return { ingest, library, playback, pathOf };
}
