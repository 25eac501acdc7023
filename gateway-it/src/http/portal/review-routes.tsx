/**
 * The portal's command review page: lines the sites' SSH command filters hold, shown to the OT
 * owners of each site, with an approve/deny form (comment required; CSRF like every form). The
 * rules (owner of that site, never one's own session, audit) are CommandReviews'; the form posts
 * the same body the API takes.
 */
import { Hono } from 'hono';
import { AirlockError } from '../../../../shared/src/errors.js';
import { sitesWithRole } from '../../access/access.js';
import type { CommandReviews } from '../../sessions/sessions.js';
import type { ReviewRow } from '../../store/store.js';
import { decideReview, reviewDecisionBody } from '../api/reviews-api.js';
import { parseFormBody } from '../body.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { Csrf } from './layout.js';
import { page, viewer } from './portal-context.js';

function ReviewList(props: {
  rows: readonly ReviewRow[];
  csrf: string | null;
  userId: string;
  now: number;
}) {
  if (props.rows.length === 0) return <p class="muted">No command line waits for a review.</p>;
  return (
    <table>
      <thead>
        <tr>
          <th>Site / asset</th>
          <th>Operator</th>
          <th>Line</th>
          <th>Why held</th>
          <th>Denied in</th>
          <th>Decision</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => (
          <tr data-review={r.id}>
            <td>
              {r.site} / {r.asset}
            </td>
            <td>{r.requesterName}</td>
            <td>
              {r.line === null ? (
                <span class="muted">(typed at a password prompt: not shown)</span>
              ) : (
                <code>{r.line}</code>
              )}
            </td>
            <td>{r.why}</td>
            <td>{Math.max(0, Math.round((r.expiresAt - props.now) / 1000))} s</td>
            <td>
              {r.requesterId === props.userId ? (
                <span class="muted">your own session: another OT owner decides</span>
              ) : (
                <form method="post" action={`/reviews/${r.id}/decision`}>
                  <Csrf token={props.csrf} />
                  <input name="comment" required maxlength={500} placeholder="comment (required)" />
                  <button name="decision" value="approve">
                    Approve
                  </button>
                  <button name="decision" value="deny" class="danger">
                    Deny
                  </button>
                </form>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function reviewRoutes(
  s: AccessHttpServices,
  reviews: CommandReviews,
): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();

  app.get('/reviews', (c) => {
    const v = viewer(c, s);
    if (sitesWithRole(v.user, 'ot-owner').length === 0)
      throw new AirlockError('access_denied', 'auth.role_required', 'requires role ot-owner');
    const body = (
      <>
        <p>
          Lines held by the command filter of your sites. The site denies each by its own clock when
          its time runs out, or when its link drops.
        </p>
        <ReviewList
          rows={reviews.pendingFor(v.user)}
          csrf={v.csrf}
          userId={v.user.id}
          now={s.clock.now()}
        />
      </>
    );
    return page(c, v, 'Command reviews', body);
  });

  app.post('/reviews/:id/decision', async (c) => {
    const v = viewer(c, s);
    const form = await parseFormBody(c, reviewDecisionBody);
    decideReview(reviews, v.user, c.req.param('id'), form);
    return c.redirect('/reviews?notice=review-decided', 303);
  });

  return app;
}
