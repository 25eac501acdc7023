/** `npm run demo:totp -- <user>`: prints a demo user's current TOTP code from .demo/credentials.json. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from 'otplib';

const file = join(
  fileURLToPath(new URL('../../../', import.meta.url)),
  '.demo',
  'credentials.json',
);
const name = process.argv[2];
if (name === undefined || name === '--help' || name === '-h') {
  process.stdout.write(
    'usage: npm run demo:totp -- <user>\nPrints the current TOTP code of a demo user (from .demo/credentials.json).\n',
  );
  process.exit(name === undefined ? 2 : 0);
}
let users: { name: string; totpSecret: string }[];
try {
  users = (
    JSON.parse(readFileSync(file, 'utf8')) as { users: { name: string; totpSecret: string }[] }
  ).users;
} catch {
  process.stderr.write(`demo:totp: cannot read ${file}; start the demo first (npm run demo)\n`);
  process.exit(1);
}
const user = users.find((u) => u.name === name);
if (user === undefined) {
  process.stderr.write(
    `demo:totp: no demo user "${name}" (known: ${users.map((u) => u.name).join(', ')})\n`,
  );
  process.exit(1);
}
process.stdout.write(`${await generate({ secret: user.totpSecret })}\n`);
