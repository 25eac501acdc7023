/**
 * The IT gateway's schema for session recordings shipped from the sites (component `recording`).
 * The files live under dataDir/recordings/<site>/<session>.cast; a row says how much of the file
 * is held durably and whether its SHA-256 was checked. Append-only list.
 */
import type { Migration } from '../../../shared/src/store/open-database.js';

export const RECORDING: readonly Migration[] = [
  {
    component: 'recording',
    version: 1,
    name: 'recordings received from OT gateways',
    up: `
      CREATE TABLE recordings (
        session_id TEXT PRIMARY KEY,
        site TEXT NOT NULL REFERENCES sites(id),
        gateway_id TEXT NOT NULL,
        asset TEXT NOT NULL,
        user_name TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        -- Bytes of the file written and synced; the OT gateway continues from here.
        held_bytes INTEGER NOT NULL DEFAULT 0,
        -- receiving: chunks arriving; complete: whole file, SHA-256 matches the OT gateway's claim,
        -- its recording.close event not ingested yet; verified: it matches the OT audit chain too;
        -- rejected: a size or hash mismatch (kept for investigation, never played).
        status TEXT NOT NULL CHECK (status IN ('receiving', 'complete', 'verified', 'rejected')),
        size INTEGER,
        sha256 TEXT,
        problem TEXT,
        first_chunk_at INTEGER NOT NULL,
        completed_at INTEGER
      ) STRICT;
      CREATE INDEX recordings_site ON recordings (site, started_at);
    `,
  },
];
