/**
 * The session artifacts an export bundle carries: the recordings the IT gateway holds for the
 * site's sessions that overlap the range (RecordingStore.inRange), verified ones only, each read
 * from its file on disk. Guarantees: a recording goes in only when its file still has the SHA-256
 * the site vouched for (checked here, before the bundle is written; the verifier then checks it
 * against the `recording.close` event in the OT chain); a recording that is still arriving, was
 * rejected, or changed on disk is left out (the verifier's completeness check is about events; the
 * recordings a bundle lacks show as `recording.close` events without a file).
 *
 * Protocol logs: Modbus and OPC UA sessions have no separate log file on either gateway; their
 * reads, writes, calls and denials are OT audit events (`modbus.*`, `opcua.*`), which the bundle's
 * OT events carry. So this source offers recordings only.
 */
import { createReadStream } from 'node:fs';
import { createSha256 } from '../../../shared/src/crypto/hash.js';
import type { RecordingStore } from '../store/store.js';
import type { SessionArtifact, SessionArtifactSource } from './export-bundle.js';

export interface RecordingArtifactsOptions {
  readonly store: Pick<RecordingStore, 'inRange'>;
  readonly pathOf: (site: string, sessionId: string) => string;
}

/** The file's SHA-256, or undefined when it cannot be read (gone, unreadable). */
async function sha256Of(path: string): Promise<string | undefined> {
  const h = createSha256();
  try {
    for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  } catch {
    return undefined;
  }
  return h.digestHex();
}

export function recordingArtifacts(o: RecordingArtifactsOptions): SessionArtifactSource {
  return {
    async artifacts(site, from, to) {
      const out: SessionArtifact[] = [];
      for (const r of o.store.inRange(site, from, to)) {
        if (r.status !== 'verified' || r.sha256 === null) continue;
        const path = o.pathOf(r.site, r.sessionId);
        if ((await sha256Of(path)) !== r.sha256) continue;
        out.push({
          sessionId: r.sessionId,
          kind: 'recording',
          name: `${r.sessionId}.cast`,
          open: () => createReadStream(path),
          path,
        });
      }
      return out;
    },
  };
}
