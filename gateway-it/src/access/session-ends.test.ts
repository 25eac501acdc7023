import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../../shared/src/log.js';
import { announcingSiteCommands, type SessionsEnd } from './session-ends.js';

test('access announces each grant end and lockdown before telling the site; a failing listener stops nothing', async () => {
  const order: string[] = [];
  const base = {
    setLockdown: async (site: string, on: boolean) => (
      order.push(`site lockdown ${site} ${on}`),
      true
    ),
    endGrantSessions: async (site: string, grantId: string) => (
      order.push(`site grant.end ${site} ${grantId}`),
      false
    ),
  };
  const heard: SessionsEnd[] = [];
  const listeners = new Set([
    (e: SessionsEnd) => {
      order.push(`listener ${e.type}`);
      heard.push(e);
    },
    () => {
      throw new Error('a broken listener');
    },
  ]);
  const commands = announcingSiteCommands(base, listeners, silentLogger);

  assert.equal(await commands.endGrantSessions('plant-1', 'grt_1', 'revoked by olga'), false);
  assert.equal(await commands.setLockdown('plant-1', true, 'intrusion'), true);
  assert.equal(await commands.setLockdown('plant-1', false, 'all clear'), true);

  assert.deepEqual(order, [
    'listener grant',
    'site grant.end plant-1 grt_1',
    'listener lockdown',
    'site lockdown plant-1 true',
    // Lifting a lockdown ends nothing.
    'site lockdown plant-1 false',
  ]);
  assert.deepEqual(heard, [
    { type: 'grant', site: 'plant-1', grantId: 'grt_1', reason: 'revoked by olga' },
    { type: 'lockdown', site: 'plant-1', reason: 'intrusion' },
  ]);
});
