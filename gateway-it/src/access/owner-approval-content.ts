/**
 * What an OT owner signs when approving at an owner-signed site: the request's content in the
 * shared shape (`ApprovalContent`, shared/src/model/owner-approval.ts), from the request as stored.
 * The approve action asks for an assertion over `approvalChallenge` of exactly this, and the OT
 * gateway checks each ticket's grant lies inside it, so it must name the request's own bounds,
 * assets and profiles, requester and ticket reference, nothing wider.
 * Not here: asking the browser for the assertion or storing it.
 */
import type { ApprovalContent } from '../../../shared/src/model/owner-approval.js';
import type { RequestAssetRow, RequestRow } from '../store/store.js';

export function approvalContentOf(
  request: RequestRow,
  assets: readonly RequestAssetRow[],
  requesterName: string,
): ApprovalContent {
  // One entry per asset and profile: a request may reach one asset by two protocols.
  const seen = new Set<string>();
  const pairs: { asset: string; profile: string }[] = [];
  for (const a of assets) {
    const key = JSON.stringify([a.asset, a.profile]);
    if (seen.has(key)) continue;
    seen.add(key);
    pairs.push({ asset: a.asset, profile: a.profile });
  }
  return {
    site: request.site,
    assets: pairs,
    notBefore: request.startsAt,
    notAfter: request.endsAt,
    requester: { id: request.requesterId, name: requesterName },
    requestId: request.id,
    ticketRef: request.ticketRef,
  };
}
