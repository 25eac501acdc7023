/** Opens the OT gateway's database: its audit log (the authority for its site) and local state. */
import { join } from 'node:path';
import { openDatabase, type Db } from '../../../shared/src/store/open-database.js';
import { OT_MIGRATIONS } from './ot-migrations.js';

export function openOtDatabase(dataDir: string | ':memory:'): Db {
  return openDatabase({
    path: dataDir === ':memory:' ? ':memory:' : join(dataDir, 'ot.db'),
    migrations: OT_MIGRATIONS,
  });
}
