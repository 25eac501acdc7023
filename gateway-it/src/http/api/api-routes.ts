/** The /api/v1 application: every operation, the OpenAPI document, JSON errors. */
import { Hono } from 'hono';
import { AIRLOCK_VERSION } from '../../../../shared/src/version.js';
import type { AccessHttpServices } from '../http-services.js';
import type { HttpVariables } from '../principal.js';
import { accessOperations } from './access-api.js';
import { adminOperations } from './admin-api.js';
import { auditOperations } from './audit-api.js';
import { evidenceOperations } from './evidence-api.js';
import { exportApprovalOperations } from './export-approvals-api.js';
import { openApiDocument, registerOperations, type ApiOperation } from './api-registry.js';
import { authOperations } from './auth-api.js';
import { itsmOperations } from './itsm-api.js';
import { sitesOperations } from './sites-api.js';
import { sshKeyOperations } from './ssh-keys-api.js';
import { supervisionOperations } from './supervision-api.js';
import { reviewOperations } from './reviews-api.js';
import { setupOperations } from './setup-api.js';

export const API_PREFIX = '/api/v1';

export function apiOperations(s: AccessHttpServices): ApiOperation[] {
  return [
    ...setupOperations(s),
    ...authOperations(s),
    ...accessOperations(s),
    ...sitesOperations(s),
    ...adminOperations(s),
    ...itsmOperations(s),
    ...sshKeyOperations(s),
    ...supervisionOperations(s),
    ...reviewOperations(s),
    ...auditOperations(s),
    ...exportApprovalOperations(s),
    ...evidenceOperations(s),
  ];
}

export function apiRoutes(s: AccessHttpServices): Hono<{ Variables: HttpVariables }> {
  const app = new Hono<{ Variables: HttpVariables }>();
  const ops = apiOperations(s);
  app.get('/openapi.json', (c) =>
    c.json(
      openApiDocument(ops, {
        version: AIRLOCK_VERSION,
        serverUrl: `${new URL(c.req.url).origin}${API_PREFIX}`,
      }),
    ),
  );
  registerOperations(app, ops);
  return app;
}
