/**
 * A site's "Policy learning" page, as its OT gateway published it (read-only): each access profile
 * with a learn window or a proposal, whether it learns now and until when, and its latest proposal
 * with the diff against the profile and the replay result (every operation it would refuse). The
 * portal cannot learn, propose or apply: those are the OT owner's acts on the OT gateway, and the
 * page names the commands.
 */
import type {
  ProfileLearning,
  ProposalSummary,
  ReplaySummary,
} from '../../../../shared/src/model/learning-status.js';
import type { SiteLearningSnapshot } from '../../sites/sites.js';
import { siteTime } from './format.js';

function Replay(props: { r: ReplaySummary | null; tz: string }) {
  const { r } = props;
  if (r === null)
    return (
      <p class="muted" data-replay="none">
        No replay was asked for (<code>--replay-days N</code>).
      </p>
    );
  return (
    <>
      <p data-replay={r.refusedTotal === 0 ? 'clean' : 'refusals'}>
        Replay of the traffic since {siteTime(r.since, props.tz)}: {r.replayed} operation(s),{' '}
        <strong>{r.refusedTotal} would be refused</strong>
        {r.refusedTotal > r.refused.length && ` (the first ${r.refused.length} are listed)`}.
      </p>
      {r.refused.length > 0 && (
        <table class="stack replay-refusals">
          <thead>
            <tr>
              <th>Time ({props.tz})</th>
              <th>Source</th>
              <th>Session</th>
              <th>Operation</th>
              <th>Rule</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {r.refused.map((x) => (
              <tr data-refused={x.operation}>
                <td data-label="Time">{siteTime(x.at, props.tz)}</td>
                <td data-label="Source">
                  {x.source}
                  {x.seq !== undefined && ` #${x.seq}`}
                </td>
                <td data-label="Session">
                  <code>{x.sessionId}</code>
                </td>
                <td data-label="Operation">
                  <code>{x.operation}</code>
                </td>
                <td data-label="Rule">{x.rule}</td>
                <td data-label="Why">{x.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Proposal(props: { p: ProposalSummary; policySha256: string; tz: string }) {
  const { p } = props;
  const isStale = p.appliedAt === null && p.basePolicySha256 !== props.policySha256;
  return (
    <div data-proposal={p.id} data-applied={p.appliedAt === null ? 'no' : 'yes'}>
      <p>
        Latest proposal <code>{p.id}</code>, made by {p.createdBy} at{' '}
        {siteTime(p.createdAt, props.tz)}:{' '}
        {p.appliedAt === null ? (
          <>
            not applied. The OT owner applies it on the OT gateway:{' '}
            <code>airlock-ot policy apply {p.id} --config &lt;file&gt;</code>
          </>
        ) : (
          <>applied at {siteTime(p.appliedAt, props.tz)}.</>
        )}
      </p>
      {isStale && (
        <p class="notice" data-stale="yes">
          Made from another policy file (SHA-256 <code>{p.basePolicySha256.slice(0, 12)}</code>)
          than the one the gateway enforces now: either a restart is pending, or the file changed
          since and <code>apply</code> will refuse it (propose again).
        </p>
      )}
      {p.review === null ? (
        <p class="muted">Made before reviews were published: see it on the OT gateway.</p>
      ) : (
        <>
          <p>
            From {p.review.operations} learned operation(s); the diff against the profile:{' '}
            <span data-diff-added={p.review.added}>{p.review.added} line(s) added</span>,{' '}
            <span data-diff-removed={p.review.removed}>{p.review.removed} removed</span>.
          </p>
          <pre class="profile-diff">{p.review.diff.join('\n')}</pre>
          <Replay r={p.review.replay} tz={props.tz} />
        </>
      )}
    </div>
  );
}

function Profile(props: { x: ProfileLearning; now: number; policySha256: string; tz: string }) {
  const { x } = props;
  const w = x.window;
  const isLearning = w !== null && w.until > props.now;
  return (
    <section class="card" data-profile={`${x.asset}/${x.profile}`}>
      <h2>
        {x.asset} / {x.profile}
      </h2>
      <p data-mode={isLearning ? 'learn' : 'enforce'}>
        {isLearning ? (
          <>
            <span class="badge locked">learning</span> until {siteTime(w.until, props.tz)} (opened
            by {w.startedBy} at {siteTime(w.startedAt, props.tz)}): requests within the
            profile&apos;s learn ceiling are allowed and recorded.
          </>
        ) : (
          <>
            Enforced
            {w !== null && ` (its learn window ended ${siteTime(w.until, props.tz)})`}.
          </>
        )}
      </p>
      {x.proposal === null ? (
        <p class="muted">No proposal yet.</p>
      ) : (
        <Proposal p={x.proposal} policySha256={props.policySha256} tz={props.tz} />
      )}
    </section>
  );
}

export function LearningPage(props: {
  tz: string;
  now: number;
  snapshot: SiteLearningSnapshot | undefined;
}) {
  const { snapshot } = props;
  return (
    <>
      <p>
        The learn, review, enforce loop of the site&apos;s access profiles, as its OT gateway
        published it (docs/policy.md, &quot;Learn, review, enforce&quot;). Read-only: the OT owner
        learns, proposes and applies on the OT gateway (
        <code>airlock-ot policy learn|propose|apply ... --config &lt;file&gt;</code>), where each
        step is audited.
      </p>
      {snapshot === undefined ? (
        <p class="muted">
          The site has not published its learning status since this gateway started.
        </p>
      ) : snapshot.status.profiles.length === 0 ? (
        <p class="muted">No profile has learned or been proposed yet.</p>
      ) : (
        <>
          <p class="muted">
            Received {siteTime(snapshot.receivedAt, props.tz)}; policy file in force SHA-256{' '}
            <code>{snapshot.status.policySha256}</code>.
          </p>
          {snapshot.status.profiles.map((x) => (
            <Profile
              x={x}
              now={props.now}
              policySha256={snapshot.status.policySha256}
              tz={props.tz}
            />
          ))}
        </>
      )}
    </>
  );
}
