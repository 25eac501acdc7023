/**
 * kill -9 of the OT gateway in the middle of an SSH session, then a restart on the same data
 * (issue 17, item 3): the crash leaves a `session.start` without an end in the OT log; the restart
 * closes it with `session.end`, reason `gateway_crash`, outcome failure, once, before it takes
 * sessions. The OT gateway runs as its own process until the kill, then in this process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEvent } from '../../shared/src/audit/audit-event.js';
import { systemClock } from '../../shared/src/clock.js';
import { randomIds } from '../../shared/src/ids.js';
import { silentLogger } from '../../shared/src/log.js';
import { createOtGateway, type OtGateway } from '../../gateway-ot/src/app.js';
import { otConfigSchema } from '../../gateway-ot/src/config/ot-config.js';
import { waitFor } from '../helpers/wait-for.js';
import { startSshChain, keyLogin } from '../helpers/ssh-chain.js';
import { echoBroker } from '../helpers/test-brokers.js';

const sessionEvents = (gw: OtGateway, action: string, sessionId: string): AuditEvent[] =>
  [...gw.services.audit.iterate()].filter(
    (e) => e.action === action && e.details.sessionId === sessionId,
  );

test(
  'a session cut by kill -9 of the OT gateway gets its session.end (gateway_crash) at the restart, once',
  { timeout: 300_000 },
  async (t) => {
    const chain = await startSshChain(t, { otProcess: true });
    const { alice } = chain.users;
    const s = chain.it.gw.services;
    let seen = '';
    let sessionId = '';
    s.sessions.live.subscribe((e) => {
      if (e.type === 'started') {
        sessionId = e.session.info.id;
        e.session.watchOutput((c) => (seen += c.toString()));
      }
    });
    chain.answers(alice);
    const long = chain.run('ssh', [
      ...chain.baseOptions(),
      '-p',
      String(chain.sshPort),
      ...keyLogin(alice),
      'alice:hmi-1@127.0.0.1',
      'echo started; exec sleep 120',
    ]);
    // A login through both gateways and an OT gateway process: slow on a busy machine, so a generous bound.
    await waitFor('output from the target', () => seen.includes('started'), 90_000);
    chain.otProcess?.child.kill('SIGKILL');
    const r = await long;
    assert.equal(r.code, 255, r.stderr);
    await waitFor(
      'the site to be offline',
      () => s.links.get('plant-1').state !== 'online',
      90_000,
    );

    const config = otConfigSchema.parse(
      JSON.parse(readFileSync(join(chain.dir, 'ot-config.json'), 'utf8')),
    );
    const open = async (): Promise<OtGateway> => {
      const gw = await createOtGateway(config, {
        clock: systemClock,
        ids: randomIds,
        log: silentLogger,
        brokers: [echoBroker('modbus')],
      });
      t.after(() => gw.stop());
      return gw;
    };
    const first = await open();
    assert.ok(sessionId !== '');
    assert.equal(sessionEvents(first, 'session.start', sessionId).length, 1, 'the start is logged');
    assert.deepEqual(sessionEvents(first, 'session.end', sessionId), [], 'the crash left no end');

    await first.start();
    const [end, ...more] = sessionEvents(first, 'session.end', sessionId);
    assert.ok(end !== undefined, 'the restart closed the cut session');
    assert.equal(more.length, 0);
    assert.equal(end.outcome, 'failure');
    assert.equal(end.actor, 'alice');
    assert.equal(end.target, 'hmi-1');
    assert.equal(end.details.reason, 'gateway_crash');
    assert.equal(end.details.recovered, true);
    assert.equal(end.details.protocol, 'ssh');
    const [start] = sessionEvents(first, 'session.start', sessionId);
    assert.equal(end.details.grantId, start?.details.grantId);
    assert.ok(
      typeof end.details.startedAt === 'number' && end.details.startedAt <= end.time,
      'when it started is kept',
    );
    const started = [...first.services.audit.iterate()].findLast(
      (e) => e.action === 'gateway.start',
    );
    assert.ok(started !== undefined && end.seq > started.seq, 'closed at this start');
    assert.deepEqual(first.services.db.prepare('SELECT * FROM open_sessions').all(), []);
    await first.stop();

    // A clean stop and start again: nothing left to close, nothing closed twice.
    const second = await open();
    await second.start();
    assert.equal(sessionEvents(second, 'session.end', sessionId).length, 1);
    const ends = [...second.services.audit.iterate()].filter((e) => e.action === 'session.end');
    assert.ok(ends.every((e) => e.details.sessionId !== undefined));
    await second.stop();
  },
);
