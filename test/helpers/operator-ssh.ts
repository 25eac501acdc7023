/**
 * The operator's OpenSSH client as a background process in tests and benchmarks: /usr/bin/ssh with
 * a minimal environment (HOME the test's directory, prompts answered by an askpass script, forced,
 * so no terminal is needed) and killed when the test ends. What the client is told (options,
 * destination, command) is the caller's; so is what the askpass script answers (for the SSH chain:
 * `chain.answers(user)` before the login). For a client run to completion use `chain.run`.
 */
import {
  spawn,
  type ChildProcessByStdio,
  type StdioNull,
  type StdioPipe,
} from 'node:child_process';
import type { TestContext } from 'node:test';
import type { Readable, Writable } from 'node:stream';

/** Where the client runs: its HOME and the askpass script that answers its prompts. */
export interface OperatorSshHome {
  readonly dir: string;
  readonly askpass: string;
}

/**
 * The environment the client runs in; `extra` adds to it or overrides it (TERM, LANG, ...); a key
 * whose value is undefined adds nothing.
 */
export function operatorSshEnv(
  home: OperatorSshHome,
  extra: NodeJS.ProcessEnv = {},
): Readonly<Record<string, string>> {
  const env: Record<string, string> = {
    PATH: '/usr/bin:/bin',
    HOME: home.dir,
    SSH_ASKPASS: home.askpass,
    SSH_ASKPASS_REQUIRE: 'force',
    DISPLAY: ':0',
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

type Stdio = StdioPipe | StdioNull;
type Stream<S extends Stdio, T> = S extends StdioPipe ? T : null;

export interface OperatorSshOptions<I extends Stdio, O extends Stdio, E extends Stdio> {
  readonly stdio: readonly [I, O, E];
  readonly env?: NodeJS.ProcessEnv;
  /** How the client is stopped when the test ends (default SIGKILL). */
  readonly killSignal?: NodeJS.Signals;
}

/** Starts `/usr/bin/ssh args` as the operator; the test's end kills it. */
export function spawnOperatorSsh<I extends Stdio, O extends Stdio, E extends Stdio>(
  t: Pick<TestContext, 'after'>,
  home: OperatorSshHome,
  args: readonly string[],
  o: OperatorSshOptions<I, O, E>,
): ChildProcessByStdio<Stream<I, Writable>, Stream<O, Readable>, Stream<E, Readable>> {
  const child = spawn('/usr/bin/ssh', args, {
    env: operatorSshEnv(home, o.env),
    stdio: [...o.stdio],
  });
  t.after(() => void child.kill(o.killSignal ?? 'SIGKILL'));
  // Node types the streams by the stdio given only through its overloads; a pipe is a stream and
  // 'ignore' is null, which is what the return type says.
  return child as ChildProcessByStdio<
    Stream<I, Writable>,
    Stream<O, Readable>,
    Stream<E, Readable>
  >;
}
