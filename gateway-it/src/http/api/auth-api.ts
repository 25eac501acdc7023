/** API login (password + TOTP in one call, bearer token back), enrollment, logout, own account. */
import { AirlockError } from '../../../../shared/src/errors.js';
import type { AccessHttpServices } from '../http-services.js';
import { enrollBody, enrollConfirmBody, loginBody, passwordChangeBody } from './api-schemas.js';
import { op, type ApiOperation } from './api-registry.js';
import { userJson } from './api-json.js';
import { currentPrincipal } from '../principal.js';

export function authOperations(s: AccessHttpServices): ApiOperation[] {
  const { flows, userAdmin } = s.auth;
  return [
    op({
      method: 'post',
      path: '/auth/login',
      tag: 'auth',
      public: true,
      summary:
        'Log in with name, password and a TOTP code (or a recovery code); returns a bearer token with its expiry',
      body: loginBody,
      responses: {
        200: 'token issued',
        401: 'wrong name, password or code',
        403: 'account disabled, contract ended or no second factor enrolled',
        429: 'account locked for this address, in backoff from this address, or source rate limited',
        503: 'busy checking other logins: try again in a few seconds',
      },
      handler: async ({ body, source }) => {
        const factor =
          body.code !== undefined
            ? { code: body.code }
            : body.recoveryCode !== undefined
              ? { recoveryCode: body.recoveryCode }
              : undefined;
        if (factor === undefined)
          throw new AirlockError(
            'bad_request',
            'auth.second_factor_required',
            'code: the 6-digit code from your authenticator (or recoveryCode) is required',
            { details: { field: 'code' } },
          );
        const t = await flows.apiLogin(body.name, body.password, factor, source);
        return {
          json: {
            token: t.secret,
            tokenType: 'Bearer',
            tokenId: t.id,
            expiresAt: new Date(t.expiresAt).toISOString(),
          },
        };
      },
    }),
    op({
      method: 'post',
      path: '/auth/enroll',
      tag: 'auth',
      public: true,
      summary:
        'First step of enrolling a TOTP authenticator (accounts without one): returns the secret and otpauth URI',
      body: enrollBody,
      responses: {
        200: 'enrollment started (valid 5 minutes)',
        401: 'wrong name or password',
        409: 'already enrolled',
      },
      handler: async ({ body, source }) => {
        const { step, details } = await flows.apiBeginEnrollment(body.name, body.password, source);
        return {
          json: {
            enrollmentToken: step.secret,
            expiresAt: new Date(step.expiresAt).toISOString(),
            secret: details.secret,
            otpauthUri: details.uri,
            qrSvg: details.qrSvg,
          },
        };
      },
    }),
    op({
      method: 'post',
      path: '/auth/enroll/confirm',
      tag: 'auth',
      public: true,
      summary:
        'Confirm enrollment with a first code; returns a bearer token and the recovery codes (shown once)',
      body: enrollConfirmBody,
      responses: { 200: 'enrolled', 401: 'wrong code or enrollment expired' },
      handler: ({ body, source }) => {
        const done = flows.confirmEnrollment(body.enrollmentToken, body.code, source, 'api', 'api');
        return {
          json: {
            token: done.session.secret,
            tokenType: 'Bearer',
            expiresAt: new Date(done.session.expiresAt).toISOString(),
            recoveryCodes: done.recoveryCodes,
          },
        };
      },
    }),
    op({
      method: 'post',
      path: '/auth/logout',
      tag: 'auth',
      summary: 'End the token (or portal session) that makes this request',
      responses: { 204: 'ended' },
      handler: ({ c, user }) => {
        const p = currentPrincipal(c);
        if (p.sessionId !== undefined)
          flows.logout({ id: p.sessionId, kind: p.via === 'token' ? 'api' : 'web' }, user);
        return { status: 204 };
      },
    }),
    op({
      method: 'get',
      path: '/me',
      tag: 'auth',
      summary: 'The signed-in account',
      handler: ({ c, user }) => ({
        json: { ...(userJson(user) as object), via: currentPrincipal(c).via },
      }),
    }),
    op({
      method: 'post',
      path: '/me/password',
      tag: 'auth',
      summary: 'Change your own password (other sessions and tokens end)',
      body: passwordChangeBody,
      responses: { 204: 'changed' },
      handler: async ({ c, user, body }) => {
        await userAdmin.changeOwnPassword(
          user,
          body.currentPassword,
          body.newPassword,
          currentPrincipal(c).sessionId ?? '',
        );
        return { status: 204 };
      },
    }),
  ];
}
