/**
 * What the portal shows of a site's approval mode (published by its OT gateway), and the approve
 * form of an owner-signed site: the owner's comment, then their passkey signs the request's
 * content (browser/passkeys.ts runs `navigator.credentials.get` with the options the server
 * issued for this request and this owner, and posts the answer with the form).
 * Not here: checking the answer (access/owner-signed-approval.ts; the OT gateway verifies it).
 */
import type { SiteApprovalMode } from '../../../../shared/src/model/site-approvals.js';
import { Csrf } from './layout.js';
import { PasskeyScripts } from './passkey-pages.js';

/** The site's mode for the viewer; `enrolled` matters only to an OT owner of an owner-signed site. */
export interface ApprovalModeView {
  readonly site: string;
  readonly mode: SiteApprovalMode;
  readonly isOwner: boolean;
  readonly enrolled: boolean;
  readonly me: string;
}

/** The site's mode in one sentence; `enrollHint` false where the page shows how to enroll anyway. */
export function ApprovalModeNote(props: { m: ApprovalModeView; enrollHint?: boolean }) {
  const m = props.m;
  if (m.mode === 'it-signed')
    return (
      <p id="approval-mode" data-mode="it-signed">
        Approvals at {m.site} are <strong>it-signed</strong>: the OT gateway trusts the approvals
        this portal lists in each session ticket.
      </p>
    );
  return (
    <p id="approval-mode" data-mode="owner-signed">
      Approvals at {m.site} are <strong>owner-signed</strong>
      {m.isOwner
        ? `: your approval is signed with your passkey enrolled at ${m.site}, and the OT gateway checks the signature itself.`
        : ': each approval is signed with an OT owner’s passkey, checked by the OT gateway itself.'}
      {m.isOwner &&
        props.enrollHint !== false &&
        (m.enrolled ? (
          ' Your passkey is enrolled there.'
        ) : (
          <>
            {' '}
            You have no passkey enrolled there yet. To enroll: have{' '}
            <code>airlock-ot owner enroll-start {m.me}</code> run at the site, then{' '}
            <a href={`/sites/${m.site}/owner-enroll`}>enroll your passkey with its code</a>.
          </>
        ))}
    </p>
  );
}

/** Approve at an owner-signed site: comment, then the passkey signs (the answer goes in `response`). */
export function SignedApproveForm(props: {
  requestId: string;
  csrf: string | null;
  options: string;
}) {
  return (
    <form
      class="card"
      id="signed-approve"
      method="post"
      action={`/requests/${props.requestId}/decide`}
      data-passkey="authenticate"
      data-passkey-options={props.options}
    >
      <Csrf token={props.csrf} />
      <input type="hidden" name="decision" value="approve" />
      <input type="hidden" name="response" value="" />
      <label for="approve-comment">Comment (required, recorded in the audit log)</label>
      <textarea id="approve-comment" name="comment" required maxlength={1000}></textarea>
      <div class="actions">
        <button type="submit">Approve and sign with your passkey</button>
      </div>
      <p class="muted" data-passkey-status role="status"></p>
      <PasskeyScripts />
    </form>
  );
}
