/** Opens the IT gateway's single database file: audit log and state together, so an action and its audit event can commit in one transaction. */
import { join } from 'node:path';
import { openDatabase, type Db } from '../../../shared/src/store/open-database.js';
import { IT_MIGRATIONS } from './it-migrations.js';

export function openItDatabase(dataDir: string | ':memory:'): Db {
  return openDatabase({
    path: dataDir === ':memory:' ? ':memory:' : join(dataDir, 'it.db'),
    migrations: IT_MIGRATIONS,
  });
}
