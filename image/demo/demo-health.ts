/**
 * Waiting for the demo's site to come online: polls the IT gateway's /healthz over TLS pinned to the
 * fingerprint the gateway printed at start (never trusting any certificate), until the site's link
 * reads online or the deadline passes with an error that names the last state seen.
 */
import { request as httpsRequest } from 'node:https';

/** Polls the IT gateway's /healthz (TLS pinned to its fingerprint) until `site` shows online. */
export async function waitUntilOnline(
  itUrl: string,
  fingerprint: string,
  site: string,
  timeoutMs: number,
): Promise<void> {
  const pin = fingerprint.replace(/:/g, '').toLowerCase();
  const linkState = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const req = httpsRequest(
        `${itUrl}/healthz`,
        {
          agent: false,
          rejectUnauthorized: false,
          timeout: 2_000,
          checkServerIdentity: (_h, cert) =>
            cert.fingerprint256.replace(/:/g, '').toLowerCase() === pin
              ? undefined
              : new Error('the IT certificate is not the pinned one'),
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (body += d));
          res.on('error', reject);
          res.on('end', () => {
            try {
              resolve(
                (JSON.parse(body) as { sites: { site: string; link: string }[] }).sites.find(
                  (s) => s.site === site,
                )?.link ?? 'unknown',
              );
            } catch (e) {
              reject(e as Error);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('/healthz did not answer')));
      req.on('error', reject);
      req.end();
    });
  const until = Date.now() + timeoutMs;
  let last = 'unknown';
  while (Date.now() < until) {
    last = await linkState();
    if (last === 'online') return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `site ${site} did not come online within ${timeoutMs / 1000} s (link: ${last}); see the ot and it logs`,
  );
}
