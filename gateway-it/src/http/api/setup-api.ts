/** First admin set-up over the API: the one-time code from the console, then TOTP enrollment. */
import { z } from 'zod';
import type { AccessHttpServices } from '../http-services.js';
import { op, type ApiOperation } from './api-registry.js';
import { omitUndefined } from '../../../../shared/src/omit-undefined.js';

export const setupBody = z.strictObject({
  code: z.string().min(1).max(64),
  name: z.string().min(1).max(32),
  password: z.string().max(256),
  displayName: z.string().min(1).max(128).optional(),
});

export function setupOperations(s: AccessHttpServices): ApiOperation[] {
  const setup = s.setup;
  if (setup === undefined) return [];
  return [
    op({
      method: 'get',
      path: '/setup',
      tag: 'setup',
      public: true,
      summary: 'Whether first admin set-up is open (no admin yet, a set-up code on the console)',
      handler: () => ({ json: { open: setup.isOpen() } }),
    }),
    op({
      method: 'post',
      path: '/setup',
      tag: 'setup',
      public: true,
      summary:
        'Create the first admin with the one-time set-up code; returns the TOTP enrollment to confirm with POST /auth/enroll/confirm',
      body: setupBody,
      responses: {
        201: 'admin created, code spent; enroll the authenticator next (valid 5 minutes)',
        400: 'weak password or bad name (the code stays usable)',
        403: 'wrong or spent code, or set-up already done (audited)',
      },
      handler: async ({ body, source }) => {
        const admin = await setup.createFirstAdmin(
          {
            code: body.code,
            name: body.name,
            password: body.password,
            ...omitUndefined({ displayName: body.displayName }),
          },
          source,
        );
        const { step, details } = await s.auth.flows.apiBeginEnrollment(
          admin.name,
          body.password,
          source,
        );
        return {
          status: 201,
          json: {
            name: admin.name,
            enrollmentToken: step.secret,
            expiresAt: new Date(step.expiresAt).toISOString(),
            secret: details.secret,
            otpauthUri: details.uri,
            qrSvg: details.qrSvg,
          },
        };
      },
    }),
  ];
}
