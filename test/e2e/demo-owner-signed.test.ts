/**
 * `npm run demo -- --owner-signed` (the launcher as a process, offset ports, temp state dir): the
 * banner tells a newcomer that olga must enroll a passkey, with the OT CLI command that prints her
 * code and the https://localhost address passkeys need; the printed command works; the IT side knows
 * plant-1 is owner-signed from what the OT gateway published, so olga's approval over the API
 * without a passkey assertion is refused with a 409 that names what is missing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateSync } from 'otplib';
import { startDemo } from '../helpers/demo-launcher.js';
import { pinnedRequest } from '../helpers/https-client.js';

test(
  'the demo in owner-signed mode: the banner says how olga enrolls; approving without her passkey is refused',
  { timeout: 180_000 },
  async (t) => {
    const demo = await startDemo(t, 7_500, 150_000, ['--loopback', '--owner-signed']);
    const out = demo.output();
    assert.match(out, /plant-1 approvals are owner-signed/);
    assert.match(out, /passkeys need\s+https:\/\/localhost/);
    assert.match(out, /a passkey in that browser/);
    const command = /node (\S+) owner enroll-start olga --config (\S+)/.exec(out);
    assert.ok(command !== null, out);
    const printed = execFileSync(process.execPath, [
      command[1] ?? '',
      'owner',
      'enroll-start',
      'olga',
      '--config',
      command[2] ?? '',
    ]).toString();
    assert.match(printed, /one-time code for olga at plant-1: \S+/);

    const base = `https://127.0.0.1:${8443 + demo.offset}/api/v1`;
    const call = (token: string | undefined, method: string, path: string, body?: unknown) =>
      pinnedRequest(`${base}${path}`, demo.fingerprint, {
        method,
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const login = async (name: string): Promise<string> => {
      const u = demo.credentials.users.find((x) => x.name === name);
      assert.ok(u !== undefined);
      const r = await call(undefined, 'POST', '/auth/login', {
        name,
        password: u.password,
        code: generateSync({ secret: u.totpSecret }),
      });
      assert.equal(r.status, 200, r.body);
      return r.json<{ token: string }>().token;
    };
    const alice = await login('alice');
    const olga = await login('olga');
    const site = await call(alice, 'GET', '/sites/plant-1');
    assert.equal(site.json<{ approvalMode: string }>().approvalMode, 'owner-signed');
    const now = Date.now();
    const requested = await call(alice, 'POST', '/requests', {
      site: 'plant-1',
      assets: [{ asset: 'plc-1', profile: 'maintenance' }],
      start: new Date(now).toISOString(),
      end: new Date(now + 3_600_000).toISOString(),
      reason: 'demo: owner-signed approval',
      ticketRef: 'CHG0001001',
    });
    assert.equal(requested.status, 201, requested.body);
    const id = requested.json<{ id: string }>().id;
    const approved = await call(olga, 'POST', `/requests/${id}/decision`, {
      decision: 'approve',
      comment: 'go ahead',
    });
    assert.equal(approved.status, 409, approved.body);
    assert.match(approved.body, /approval\.signature_required/);
    assert.match(approved.body, /owner-signed.*passkey/);
    // olga has no passkey enrolled yet: the options say how to enroll.
    const options = await call(olga, 'GET', `/requests/${id}/approval-options`);
    assert.equal(options.status, 409, options.body);
    assert.match(options.body, /enroll-start olga/);
  },
);
