/**
 * A site's discovery results, as its OT gateway published them (read-only): each proposal with
 * what identifies it (SSH host key fingerprint and banner, Modbus unit ids, OPC UA certificate hash
 * and endpoints), garbage with what it sent, and the OT-side command that onboards a proposal.
 * The portal cannot onboard: adding an asset is the OT owner's act on the OT gateway.
 */
import type { PublishedProposal } from '../../../../shared/src/model/discovery.js';
import type { SiteDiscoverySnapshot } from '../../sites/sites.js';
import { siteTime } from './format.js';

function What(props: { p: PublishedProposal }) {
  const f = props.p.finding;
  if (f === undefined)
    return (
      <span>
        answered garbage: <code>{props.p.seen ?? ''}</code>
      </span>
    );
  switch (f.protocol) {
    case 'ssh':
      return (
        <span>
          <code>{f.fingerprint}</code> <span class="muted">{f.banner}</span>
        </span>
      );
    case 'modbus':
      return (
        <span>
          unit ids {f.unitIds.join(', ')}
          {f.deviceIdentification !== undefined && (
            <span class="muted"> {JSON.stringify(f.deviceIdentification)}</span>
          )}
        </span>
      );
    case 'opcua':
      return (
        <span>
          certificate SHA-256 <code>{f.certificateSha256 ?? 'none'}</code>{' '}
          <span class="muted">
            {f.endpoints
              .map((e) => `${e.securityMode} ${e.securityPolicyUri.split('#')[1] ?? ''}`)
              .join(', ')}
          </span>
        </span>
      );
    default: {
      const never: never = f;
      return never;
    }
  }
}

export function DiscoveryPage(props: {
  site: string;
  tz: string;
  snapshot: SiteDiscoverySnapshot | undefined;
}) {
  const { snapshot } = props;
  return (
    <>
      <p>
        What the OT gateway found within the probe scope of its local policy (docs/policy.md,
        "Discover"). Onboarding is done on the OT gateway:{' '}
        <code>
          airlock-ot discover onboard &lt;id&gt; --config &lt;file&gt; --name &lt;asset&gt;
        </code>
        . Garbage is never onboarded.
      </p>
      {snapshot === undefined ? (
        <p class="muted">
          The site has not published discovery results since this gateway started.
        </p>
      ) : snapshot.proposals.length === 0 ? (
        <p class="muted">No discovery results yet.</p>
      ) : (
        <table class="stack discovery">
          <thead>
            <tr>
              <th>Id</th>
              <th>State</th>
              <th>Protocol</th>
              <th>Address</th>
              <th>Found ({props.tz})</th>
              <th>What was seen</th>
            </tr>
          </thead>
          <tbody>
            {snapshot.proposals.map((p) => (
              <tr data-proposal={p.id} data-state={p.state}>
                <td data-label="Id">
                  <code>{p.id}</code>
                </td>
                <td data-label="State">
                  {p.state === 'garbage' ? <span class="badge locked">garbage</span> : p.state}
                  {p.asset !== undefined && <span class="muted"> as {p.asset}</span>}
                </td>
                <td data-label="Protocol">{p.protocol}</td>
                <td data-label="Address">
                  {p.address}:{p.port}
                </td>
                <td data-label="Found">{siteTime(p.foundAt, props.tz)}</td>
                <td data-label="What was seen">
                  <What p={p} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
