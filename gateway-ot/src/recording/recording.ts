/**
 * The recording subsystem: every shell and exec session recorded as an asciicast v2 file (playable
 * by asciinema and the portal), input and output, and those files as the outbox the link ships to
 * the IT side from.
 *
 * Guarantees: each event is written as it happens and fsynced at least every second of the
 * gateway's clock, so a crash loses at most that second; at close the file's SHA-256 enters the
 * audit chain (`recording.close`) with its row in one transaction; recordings a crash left open are
 * closed at start, cut after their last complete line, and audited as recovered; files are 0600 and
 * never deleted here; a recording is marked shipped only when the IT side holds exactly the hashed
 * file. Not guaranteed: the last second before a power loss; what a byte stream held past its first
 * MiB is kept as a count and hash only (`startStream`).
 */
export { createRecordings } from './recordings.js';
export type {
  RecordingClosed,
  RecordingMeta,
  Recordings,
  RecordingsDeps,
  SessionRecorder,
} from './recordings.js';
export type { RecordingOutbox, ShippableRecording } from './recording-outbox.js';
