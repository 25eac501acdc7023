/** Requests, decisions, grants, break-glass: the API face of the access services. */
import type { AccessHttpServices } from '../http-services.js';
import {
  breakGlassBody,
  commentBody,
  decisionBody,
  reasonBody,
  requestBody,
} from './api-schemas.js';
import { op, type ApiOperation } from './api-registry.js';
import { grantJson, requestJson, usableJson } from './api-json.js';
import {
  filterGrants,
  filterRequests,
  grantListApiQuery,
  parseListQuery,
  requestListApiQuery,
} from '../list-filters.js';
import { omitUndefined } from '../../../../shared/src/omit-undefined.js';

export function accessOperations(s: AccessHttpServices): ApiOperation[] {
  const { requests, approvals, grants, breakGlass, checker, signatures } = s.access;
  const now = (): number => s.clock.now();
  return [
    op({
      method: 'get',
      path: '/requests',
      tag: 'requests',
      summary:
        'Your own requests, newest first; q searches ids, people, assets, reason and ticket; status and site filter',
      query: requestListApiQuery,
      handler: ({ user, query }) => ({
        json: filterRequests(requests.mine(user), parseListQuery(requestListApiQuery, query)).map(
          requestJson,
        ),
      }),
    }),
    op({
      method: 'post',
      path: '/requests',
      tag: 'requests',
      roles: ['engineer', 'vendor'],
      summary:
        'Request access: site, assets with a profile each, start and end, reason, ticket reference',
      body: requestBody,
      responses: {
        201: 'request created (pending)',
        403: "outside a maintenance window, outside the vendor schedule or after the contract end, or the site's ITSM refused the ticket",
        404: 'unknown site',
      },
      handler: async ({ user, body }) => ({
        status: 201,
        json: requestJson(
          await requests.create(user, {
            site: body.site,
            assets: body.assets,
            startsAt: Date.parse(body.start),
            endsAt: Date.parse(body.end),
            reason: body.reason,
            ticketRef: body.ticketRef,
          }),
        ),
      }),
    }),
    op({
      method: 'get',
      path: '/requests/:id',
      tag: 'requests',
      summary: 'One request (yours, or of a site you own or audit)',
      responses: { 200: 'the request', 404: 'no such request you may see' },
      handler: ({ user, params }) => ({ json: requestJson(requests.get(user, params.id ?? '')) }),
    }),
    op({
      method: 'get',
      path: '/requests/:id/approval-options',
      tag: 'requests',
      roles: ['ot-owner'],
      summary:
        "Owner-signed sites: WebAuthn request options (challenge = the request's content hash, your passkeys enrolled at the site) for approving; valid 5 minutes",
      responses: {
        200: 'options for navigator.credentials.get',
        403: 'you may not decide on this request',
        409: 'it-signed site, not pending, or no passkey of yours enrolled at the site',
      },
      handler: async ({ user, params }) => ({
        json: await signatures.optionsFor(user, params.id ?? ''),
      }),
    }),
    op({
      method: 'post',
      path: '/requests/:id/cancel',
      tag: 'requests',
      summary: 'Withdraw your own pending request',
      responses: { 200: 'cancelled', 403: 'not yours', 409: 'not pending' },
      handler: ({ user, params }) => ({
        json: requestJson(requests.cancel(user, params.id ?? '')),
      }),
    }),
    op({
      method: 'post',
      path: '/requests/:id/decision',
      tag: 'requests',
      roles: ['ot-owner'],
      summary:
        'Approve or deny a request of a site you own (never your own); a comment is required; deny after approve revokes',
      body: decisionBody,
      responses: {
        200: 'decision recorded',
        403: 'not an OT owner of the site, or your own request',
        400: 'owner-signed site: the assertion is malformed, for another challenge or expired',
        409: 'not pending / already approved by you / owner-signed site and no assertion sent',
      },
      handler: async ({ user, params, body }) => {
        const r = await approvals.decide(
          user,
          params.id ?? '',
          body.decision,
          body.comment,
          body.assertion === undefined ? undefined : JSON.stringify(body.assertion),
        );
        return {
          json: {
            outcome: r.outcome,
            grantId: r.grantId,
            request: requestJson(r.request),
            ...omitUndefined({ sessionsEnded: r.sessionsEnded }),
          },
        };
      },
    }),
    op({
      method: 'get',
      path: '/inbox',
      tag: 'requests',
      roles: ['ot-owner'],
      summary: 'Pending requests at the sites you own, and break-glass grants awaiting your review',
      handler: ({ user }) => ({
        json: {
          pending: requests
            .inbox(user)
            .map((i) => ({ request: requestJson(i.request), canDecide: i.canDecide, why: i.why })),
          breakGlassToReview: user.roles
            .filter((r) => r.role === 'ot-owner' && r.site !== undefined)
            .flatMap((r) => grants.awaitingReview(r.site ?? ''))
            .map(grantJson),
        },
      }),
    }),
    op({
      method: 'get',
      path: '/grants',
      tag: 'grants',
      summary: 'Your own grants, newest first; q searches, state, site and breakGlass filter',
      query: grantListApiQuery,
      handler: ({ user, query }) => ({
        json: filterGrants(grants.mine(user), parseListQuery(grantListApiQuery, query)).map(
          grantJson,
        ),
      }),
    }),
    op({
      method: 'get',
      path: '/grants/usable',
      tag: 'grants',
      summary: 'Assets you can open a session to right now',
      handler: ({ user }) => ({ json: checker.usableNow(user.id, now()).map(usableJson) }),
    }),
    op({
      method: 'get',
      path: '/grants/:id',
      tag: 'grants',
      summary: 'One grant (yours, or of a site you own or audit)',
      responses: { 200: 'the grant', 404: 'no such grant you may see' },
      handler: ({ user, params }) => ({ json: grantJson(grants.get(user, params.id ?? '')) }),
    }),
    op({
      method: 'post',
      path: '/grants/:id/revoke',
      tag: 'grants',
      summary:
        'Revoke a grant (the grantee, an OT owner of its site or an admin); live sessions end',
      body: reasonBody,
      responses: {
        200: 'revoked',
        403: 'not allowed to revoke it',
        404: 'no such grant you may see',
        409: 'already ended',
      },
      handler: async ({ user, params, body }) => {
        const r = await grants.revoke(user, params.id ?? '', body.reason);
        return { json: { grant: grantJson(r.grant), sessionsEnded: r.sessionsEnded } };
      },
    }),
    op({
      method: 'post',
      path: '/grants/:id/review',
      tag: 'grants',
      roles: ['ot-owner'],
      summary: 'Record the after-the-fact review of a break-glass grant of a site you own',
      body: commentBody,
      responses: {
        200: 'reviewed',
        403: 'not an OT owner of the site, or your own grant',
        409: 'not break-glass or already reviewed',
      },
      handler: ({ user, params, body }) => ({
        json: grantJson(grants.review(user, params.id ?? '', body.comment)),
      }),
    }),
    op({
      method: 'post',
      path: '/break-glass',
      tag: 'grants',
      summary:
        'Take an emergency grant now, without approval (accounts an admin marked); every OT owner of the site is alerted',
      body: breakGlassBody,
      responses: {
        201: 'emergency grant active',
        403: 'not marked for break-glass, site locked down, or after contract end',
      },
      handler: ({ user, body }) => ({ status: 201, json: grantJson(breakGlass.take(user, body)) }),
    }),
  ];
}
