/**
 * `npm run demo:totp -- [--state-dir DIR] <user>`: prints a demo user's current TOTP code from the
 * demo's credentials file (.demo/credentials.json, or DIR/credentials.json when the demo was started
 * with the same --state-dir). A relative DIR is taken from where npm was run (npm itself runs the
 * script in the repository root and passes the caller's directory as INIT_CWD).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generate } from 'otplib';

const USAGE = `usage: npm run demo:totp -- [--state-dir DIR] <user>
Prints the current TOTP code of a demo user, from .demo/credentials.json (or DIR/credentials.json:
give the --state-dir the demo was started with).`;

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
let dir = join(repoRoot, '.demo');
let name: string | undefined;
try {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { 'state-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  if (values['state-dir'] !== undefined)
    dir = resolve(process.env.INIT_CWD ?? process.cwd(), values['state-dir']);
  if (positionals.length !== 1) throw new Error('give one demo user name');
  name = positionals[0];
} catch (e) {
  process.stderr.write(`demo:totp: ${(e as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
const file = join(dir, 'credentials.json');
let users: { name: string; totpSecret: string }[];
try {
  users = (
    JSON.parse(readFileSync(file, 'utf8')) as { users: { name: string; totpSecret: string }[] }
  ).users;
} catch {
  process.stderr.write(
    `demo:totp: cannot read ${file}; start the demo first (npm run demo${dir === join(repoRoot, '.demo') ? '' : ` -- --state-dir ${dir}`})\n`,
  );
  process.exit(1);
}
const user = users.find((u) => u.name === name);
if (user === undefined) {
  process.stderr.write(
    `demo:totp: no demo user "${String(name)}" (known: ${users.map((u) => u.name).join(', ')})\n`,
  );
  process.exit(1);
}
process.stdout.write(`${await generate({ secret: user.totpSecret })}\n`);
