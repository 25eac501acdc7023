/** A session stream whose other end the test holds (what the OT side would be), for IT-side session tests. */
import { PassThrough } from 'node:stream';
import type { SessionStream } from '../../gateway-it/src/sites/sites.js';

/** A session stream the test holds the other end of (what the OT side would be). */
export function fakeStream(sessionId: string): SessionStream & { readonly closeReasons: string[] } {
  const listeners: ((r: string) => void)[] = [];
  const closeReasons: string[] = [];
  let closed: string | undefined;
  return {
    sessionId,
    stream: new PassThrough(),
    closeReasons,
    sendControl: () => undefined,
    onControl: () => undefined,
    onClose: (l) => (closed === undefined ? listeners.push(l) : l(closed)),
    close(reason) {
      closeReasons.push(reason);
      if (closed !== undefined) return;
      closed = reason;
      for (const l of listeners.splice(0)) l(reason);
    },
    get isClosed() {
      return closed !== undefined;
    },
  };
}
