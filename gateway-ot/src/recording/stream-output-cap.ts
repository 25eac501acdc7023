/**
 * Recording of a non-terminal exec session (no pty): a byte stream such as `tar c`, `cat` of an
 * image or `head -c` of a device, not something a person reads on a screen.
 *
 * Guarantees: the first `textLimitBytes` of its output (stdout and stderr, in order) are recorded
 * as asciicast text like any session; after that the recording says, in its own output, that the
 * rest is not kept as text, and at close it states the total byte count and the SHA-256 of the
 * complete output stream as the operator received it (the target's output and Airlock's own notices,
 * in order). Input is recorded in full.
 *
 * Why: asciicast holds text; a binary stream decoded as UTF-8 and escaped as JSON is neither
 * readable nor recoverable (a NUL byte becomes six bytes of `\u0000`), and writing it
 * synchronously made a bulk download ten times slower than the transfer itself. The byte count
 * and hash of the real bytes are better evidence of what left the target than mangled text.
 * Does not apply to pty sessions (shells, interactive exec): those are recorded in full.
 */
import { createHash } from 'node:crypto';
import type { RecordingClosed, SessionRecorder } from './recordings.js';

export const DEFAULT_STREAM_TEXT_LIMIT_BYTES = 1024 * 1024;

export function capStreamOutput(
  recorder: SessionRecorder,
  textLimitBytes: number = DEFAULT_STREAM_TEXT_LIMIT_BYTES,
): SessionRecorder {
  const hash = createHash('sha256');
  let total = 0;
  let capped = false;
  return {
    id: recorder.id,
    file: recorder.file,
    output(data: Buffer | string): void {
      const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      hash.update(b);
      const room = textLimitBytes - total;
      total += b.length;
      if (capped) return;
      if (b.length <= room) return recorder.output(b);
      if (room > 0) recorder.output(b.subarray(0, room));
      capped = true;
      recorder.output(
        `\r\n[airlock: this exec session has no terminal; output after the first ${textLimitBytes} bytes is not recorded as text. Its byte count and SHA-256 follow at the end.]\r\n`,
      );
    },
    input: (data) => recorder.input(data),
    resize: (cols, rows) => recorder.resize(cols, rows),
    close(): RecordingClosed {
      if (capped)
        recorder.output(
          `\r\n[airlock: exec output ${total} bytes, SHA-256 ${hash.digest('hex')}]\r\n`,
        );
      capped = false;
      return recorder.close();
    },
  };
}
