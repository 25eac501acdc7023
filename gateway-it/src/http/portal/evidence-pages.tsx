/**
 * The evidence pack button on the grant page and on each maintenance window of the site page
 * (auditors and OT owners of the site, admins): a small form that posts for the pack and downloads
 * it (evidence-routes.tsx). Leaving recordings out avoids the site's four-eyes export approval.
 */
import { Csrf } from './layout.js';

export function EvidencePackForm(props: { action: string; csrf: string | null; label: string }) {
  return (
    <form method="post" action={props.action} class="evidence-pack">
      <Csrf token={props.csrf} />
      <label>
        <input type="checkbox" name="recordings" value="off" /> without recordings
      </label>{' '}
      <button type="submit" class="secondary" data-evidence-pack={props.action}>
        {props.label}
      </button>
    </form>
  );
}
