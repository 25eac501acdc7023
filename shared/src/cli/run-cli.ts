/**
 * The frame both gateway CLIs share: dispatch on the subcommand (a verb), print usage errors and
 * AirlockErrors as one clear line on stderr, and exit with a code that means something:
 * 0 done, 1 failed, 2 usage or configuration error.
 */
import { describeError, isAirlockError } from '../errors.js';

export interface CliCommand {
  readonly summary: string;
  readonly usage: string;
  run(argv: readonly string[]): Promise<number>;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export async function runCli(
  program: string,
  header: string,
  commands: Readonly<Record<string, CliCommand>>,
  argv: readonly string[],
  version?: string,
): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === '--version' && version !== undefined) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  const width = Math.max(...Object.keys(commands).map((name) => name.length)) + 1;
  const help = (): string =>
    `${header}\n\nusage: ${program} <command> [options]\n\ncommands:\n${Object.entries(commands)
      .map(([name, c]) => `  ${name.padEnd(width)} ${c.summary}`)
      .join(
        '\n',
      )}\n\n${program} <command> --help shows a command's options; ${program} --version prints the version.\n`;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    process.stdout.write(help());
    return verb === undefined ? 2 : 0;
  }
  const command = commands[verb];
  if (command === undefined) {
    process.stderr.write(`${program}: unknown command "${verb}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${program} ${verb}: ${e.message}\n\n${command.usage}\n`);
      return 2;
    }
    process.stderr.write(
      `${program} ${verb}: ${isAirlockError(e) ? `${e.message} (${e.code})` : describeError(e)}\n`,
    );
    return 1;
  }
}
