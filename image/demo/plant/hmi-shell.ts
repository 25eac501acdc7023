/**
 * The command interpreter of the simulated plant HMI: a handful of commands over a tiny in-memory
 * filesystem, enough for a demo session and for recordings to look like a real Linux box. It runs
 * one command per line; it has no pipes, redirections, variables or `;`, and it never touches the
 * real filesystem or spawns processes. Output uses "\n"; the SSH layer turns it into "\r\n" on a pty.
 */
import { posix } from 'node:path';

export interface HmiHost {
  readonly hostname: string;
  /** When the "machine" booted; uptime counts from here. */
  readonly bootedAt: number;
  readonly now: () => number;
  /** Absolute path → content. Shared by every session on the host (log lines appended stay). */
  readonly files: Map<string, string>;
}

export interface ShellSession {
  readonly user: string;
  cwd: string;
  hasPty: boolean;
  cols: number;
  rows: number;
}

export interface CommandOutcome {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
  /** The command was `exit`: the session ends with `exitCode`. */
  readonly isExit: boolean;
}

const HELP = `Plant HMI maintenance shell. Commands:
  help                   this list
  whoami, id, hostname   who and where you are
  uptime, date, uname    system facts
  echo TEXT              print TEXT
  ls [PATH], cat FILE    look at files (try /etc/hmi.conf, /var/log/hmi.log, recipes/)
  cd [DIR], pwd          move around
  status                 production line status
  systemctl restart hmi  restart the HMI runtime
  stty size, tty         terminal facts
  chpasswd               set passwords from stdin (user:password lines; exec only, rotators only)
  exit [N]               leave with status N
`;

/** A believable host: booted three days and a bit before `now()`, with config, log and recipes. */
export function createHmiHost(
  hostname: string,
  users: readonly string[],
  now: () => number = Date.now,
): HmiHost {
  const files = new Map<string, string>([
    [
      '/etc/hmi.conf',
      `# HMI runtime configuration\nstation=${hostname}\nline=Line1\nplc=modbus://plc-1:502/unit/1\nopcua=opc.tcp://opc-1:4840\nscreen_timeout_s=600\nlanguage=en\n`,
    ],
    ['/etc/hostname', `${hostname}\n`],
    [
      '/var/log/hmi.log',
      '2026-01-01T06:00:02Z INFO hmi runtime started\n2026-01-01T06:00:03Z INFO connected to plc-1 unit 1\n2026-01-01T06:12:40Z WARN Line1 pressure high (6.1 bar), back to normal after 12 s\n',
    ],
  ]);
  for (const user of users) {
    files.set(
      `/home/${user}/recipes/batch-a.csv`,
      'step,setpoint_c,duration_s\n1,65.0,120\n2,72.5,300\n3,40.0,60\n',
    );
    files.set(
      `/home/${user}/recipes/batch-b.csv`,
      'step,setpoint_c,duration_s\n1,60.0,180\n2,80.0,240\n',
    );
    files.set(
      `/home/${user}/notes.txt`,
      'Remember: restart the HMI after changing recipes (systemctl restart hmi).\n',
    );
  }
  return { hostname, bootedAt: now() - (3 * 86_400 + 2 * 3600 + 14 * 60) * 1000, now, files };
}

export function createShellSession(user: string): ShellSession {
  return { user, cwd: homeOf(user), hasPty: false, cols: 80, rows: 24 };
}

export function homeOf(user: string): string {
  return `/home/${user}`;
}

export function promptFor(host: HmiHost, session: ShellSession): string {
  const home = homeOf(session.user);
  const where =
    session.cwd === home
      ? '~'
      : session.cwd.startsWith(`${home}/`)
        ? `~${session.cwd.slice(home.length)}`
        : session.cwd;
  return `${session.user}@${host.hostname}:${where}$ `;
}

/** Splits a command line into words; single and double quotes group, a backslash escapes one character. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let hasWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) current += line[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      hasWord = true;
    } else if (c === '\\' && i + 1 < line.length) {
      current += line[++i];
      hasWord = true;
    } else if (c === ' ' || c === '\t') {
      if (hasWord) words.push(current);
      current = '';
      hasWord = false;
    } else {
      current += c;
      hasWord = true;
    }
  }
  if (hasWord) words.push(current);
  return words;
}

export function runCommandLine(line: string, host: HmiHost, session: ShellSession): CommandOutcome {
  const words = splitWords(line);
  const [command, ...args] = words;
  if (command === undefined) return done('');
  switch (command) {
    case 'help':
      return done(HELP);
    case 'whoami':
      return done(`${session.user}\n`);
    case 'id':
      return done(
        `uid=1000(${session.user}) gid=1000(${session.user}) groups=1000(${session.user}),20(dialout),1001(hmi)\n`,
      );
    case 'hostname':
      return done(`${host.hostname}\n`);
    case 'uname':
      return done(
        args.includes('-a')
          ? `Linux ${host.hostname} 5.10.0-hmi-rt #1 SMP PREEMPT_RT armv7l GNU/Linux\n`
          : 'Linux\n',
      );
    case 'uptime':
      return done(uptimeLine(host));
    case 'date':
      return done(`${formatDate(host.now())}\n`);
    case 'echo':
      return args[0] === '-n' ? done(args.slice(1).join(' ')) : done(`${args.join(' ')}\n`);
    case 'pwd':
      return done(`${session.cwd}\n`);
    case 'cd':
      return changeDirectory(host, session, args[0]);
    case 'ls':
      return list(
        host,
        session,
        args.filter((a) => !a.startsWith('-')),
      );
    case 'cat':
      return concatenate(host, session, args);
    case 'status':
      return done(lineStatus(host));
    case 'systemctl':
      return systemctl(host, args);
    case 'stty':
      return args[0] === 'size' && session.hasPty
        ? done(`${session.rows} ${session.cols}\n`)
        : fail("stty: 'standard input': Inappropriate ioctl for device\n", 1);
    case 'tty':
      return session.hasPty
        ? done('/dev/pts/0\n')
        : { stdout: 'not a tty\n', stderr: '', exitCode: 1, isExit: false };
    case 'chpasswd':
      return fail(
        `chpasswd: reads user:password lines from standard input; run it through exec (ssh ${host.hostname} chpasswd < file)\n`,
        1,
      );
    case 'sudo':
      return args[0] === 'chpasswd'
        ? runCommandLine('chpasswd', host, session)
        : fail(`sudo: ${session.user} is not allowed to run sudo on ${host.hostname}.\n`, 1);
    case 'exit':
      return exitWith(args[0]);
    default:
      return fail(`${command}: command not found\n`, 127);
  }
}

function done(stdout: string): CommandOutcome {
  return { stdout, stderr: '', exitCode: 0, isExit: false };
}

function fail(stderr: string, exitCode: number): CommandOutcome {
  return { stdout: '', stderr, exitCode, isExit: false };
}

function exitWith(arg: string | undefined): CommandOutcome {
  if (arg === undefined) return { stdout: '', stderr: '', exitCode: 0, isExit: true };
  if (!/^-?\d+$/.test(arg))
    return {
      stdout: '',
      stderr: `exit: ${arg}: numeric argument required\n`,
      exitCode: 2,
      isExit: true,
    };
  // Like bash: the status is taken modulo 256.
  return { stdout: '', stderr: '', exitCode: ((Number(arg) % 256) + 256) % 256, isExit: true };
}

function resolvePath(session: ShellSession, arg: string): string {
  const home = homeOf(session.user);
  const expanded = arg === '~' ? home : arg.startsWith('~/') ? `${home}/${arg.slice(2)}` : arg;
  return posix.resolve(session.cwd, expanded);
}

function isDirectory(host: HmiHost, path: string): boolean {
  if (path === '/') return true;
  for (const file of host.files.keys()) if (file.startsWith(`${path}/`)) return true;
  return false;
}

function changeDirectory(
  host: HmiHost,
  session: ShellSession,
  arg: string | undefined,
): CommandOutcome {
  const target = resolvePath(session, arg ?? '~');
  if (host.files.has(target)) return fail(`cd: ${arg ?? ''}: Not a directory\n`, 1);
  if (!isDirectory(host, target)) return fail(`cd: ${arg ?? ''}: No such file or directory\n`, 1);
  session.cwd = target;
  return done('');
}

function list(host: HmiHost, session: ShellSession, args: readonly string[]): CommandOutcome {
  const targets = args.length === 0 ? ['.'] : args;
  let stdout = '';
  let stderr = '';
  for (const arg of targets) {
    const path = resolvePath(session, arg);
    if (host.files.has(path)) {
      stdout += `${arg}\n`;
      continue;
    }
    if (!isDirectory(host, path)) {
      stderr += `ls: cannot access '${arg}': No such file or directory\n`;
      continue;
    }
    const prefix = path === '/' ? '/' : `${path}/`;
    const entries = new Set<string>();
    for (const file of host.files.keys())
      if (file.startsWith(prefix)) entries.add(file.slice(prefix.length).split('/')[0]!);
    const names = [...entries].sort();
    if (targets.length > 1) stdout += `${arg}:\n`;
    if (names.length > 0) stdout += `${names.join('  ')}\n`;
  }
  return { stdout, stderr, exitCode: stderr === '' ? 0 : 2, isExit: false };
}

function concatenate(
  host: HmiHost,
  session: ShellSession,
  args: readonly string[],
): CommandOutcome {
  if (args.length === 0)
    return fail('cat: reading standard input is not supported by this HMI shell\n', 1);
  let stdout = '';
  let stderr = '';
  for (const arg of args) {
    const path = resolvePath(session, arg);
    const content = host.files.get(path);
    if (content !== undefined) stdout += content;
    else if (isDirectory(host, path)) stderr += `cat: ${arg}: Is a directory\n`;
    else stderr += `cat: ${arg}: No such file or directory\n`;
  }
  return { stdout, stderr, exitCode: stderr === '' ? 0 : 1, isExit: false };
}

function systemctl(host: HmiHost, args: readonly string[]): CommandOutcome {
  const [verb, unitArg] = args;
  const unit =
    unitArg === undefined
      ? undefined
      : unitArg.endsWith('.service')
        ? unitArg
        : `${unitArg}.service`;
  if (unit !== 'hmi.service' || (verb !== 'restart' && verb !== 'status')) {
    return fail(
      `Failed to ${verb ?? 'run'} ${unit ?? 'unit'}: Unit ${unit ?? 'unit'} not found.\n`,
      5,
    );
  }
  const stamp = new Date(host.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (verb === 'restart') {
    // Appended to the shared log, so `cat /var/log/hmi.log` shows the restart to every session.
    host.files.set(
      '/var/log/hmi.log',
      `${host.files.get('/var/log/hmi.log') ?? ''}${stamp} INFO hmi runtime restarted by request\n`,
    );
    return done(`Restarting hmi.service (HMI runtime)... done.\n`);
  }
  return done(
    `● hmi.service - HMI runtime\n     Loaded: loaded (/etc/systemd/system/hmi.service; enabled)\n     Active: active (running) since ${formatDate(host.bootedAt)}\n`,
  );
}

function uptimeLine(host: HmiHost): string {
  const now = new Date(host.now());
  const seconds = Math.max(0, Math.floor((host.now() - host.bootedAt) / 1000));
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const clock = now.toISOString().slice(11, 19);
  const dayText = days === 0 ? '' : `${days} day${days === 1 ? '' : 's'}, `;
  return ` ${clock} up ${dayText}${String(hours).padStart(2, ' ')}:${String(minutes).padStart(2, '0')},  1 user,  load average: 0.08, 0.05, 0.01\n`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
] as const;

/** `date`'s default format, in UTC like a plant box set to UTC: `Thu Jan  1 06:00:00 UTC 2026`. */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return `${DAYS[d.getUTCDay()]!} ${MONTHS[d.getUTCMonth()]!} ${day} ${d.toISOString().slice(11, 19)} UTC ${d.getUTCFullYear()}`;
}

/** Line status that moves with time (counter, temperature), so repeated `status` calls look alive. */
function lineStatus(host: HmiHost): string {
  const t = (host.now() - host.bootedAt) / 1000;
  const temperature = 72 + 1.5 * Math.sin(t / 60);
  const pressure = 4.2 + 0.3 * Math.sin(t / 45);
  const counter = Math.floor(t / 3) % 100_000;
  return [
    'LINE1   state=RUNNING   mode=AUTO   recipe=batch-a',
    `        temperature=${temperature.toFixed(1)} C   pressure=${pressure.toFixed(2)} bar   speed=1450 rpm`,
    `        counter=${counter}   alarms=0   plc=plc-1 (online)`,
    '',
  ].join('\n');
}
