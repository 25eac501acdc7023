import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeTempDir } from '../testing/temp-dir.js';
import { openDatabase, type Migration } from './open-database.js';

const base: Migration[] = [
  {
    component: 'x',
    version: 1,
    name: 'things',
    up: 'CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT NOT NULL) STRICT',
  },
  {
    component: 'x',
    version: 2,
    name: 'seed',
    up: (db) => db.prepare('INSERT INTO things (name) VALUES (?)').run('first'),
  },
];

test('pragmas: WAL, foreign keys, full sync, busy timeout', (t) => {
  const db = openDatabase({ path: join(makeTempDir(t), 'a.db'), migrations: base });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
  assert.equal(db.pragma('synchronous', { simple: true }), 2);
  assert.equal(db.pragma('busy_timeout', { simple: true }), 5000);
  db.close();
});

test('migrations run once, in order, and survive reopening', (t) => {
  const path = join(makeTempDir(t), 'a.db');
  openDatabase({ path, migrations: base }).close();
  const db = openDatabase({
    path,
    migrations: [
      ...base,
      { component: 'x', version: 3, name: 'more', up: 'ALTER TABLE things ADD COLUMN note TEXT' },
    ],
  });
  assert.deepEqual(db.prepare('SELECT name FROM things').all(), [{ name: 'first' }]);
  assert.deepEqual(
    db.prepare('SELECT component, version FROM schema_migrations ORDER BY version').all(),
    [
      { component: 'x', version: 1 },
      { component: 'x', version: 2 },
      { component: 'x', version: 3 },
    ],
  );
  db.close();
});

test('a failing migration rolls back entirely and is not recorded', (t) => {
  const path = join(makeTempDir(t), 'a.db');
  const bad: Migration = {
    component: 'x',
    version: 3,
    name: 'broken',
    up: 'CREATE TABLE half (id INTEGER); INSERT INTO nowhere VALUES (1);',
  };
  assert.throws(() => openDatabase({ path, migrations: [...base, bad] }), /no such table: nowhere/);
  const db = openDatabase({ path, migrations: base });
  const row = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half'").get() as {
    n: number;
  };
  assert.equal(row.n, 0);
  db.close();
});

test('a database written by a newer version is refused', (t) => {
  const path = join(makeTempDir(t), 'a.db');
  openDatabase({
    path,
    migrations: [...base, { component: 'x', version: 3, name: 'future', up: 'SELECT 1' }],
  }).close();
  assert.throws(
    () => openDatabase({ path, migrations: base }),
    /migration x\/3 \(future\) that this version does not know/,
  );
});

test('a migration list with a hole is a programming error', () => {
  assert.throws(
    () =>
      openDatabase({
        path: ':memory:',
        migrations: [base[0]!, { component: 'x', version: 3, name: 'skip', up: '' }],
      }),
    /out of order: expected version 2/,
  );
});
