/**
 * A simulated SSH target (a plant HMI box) on the ssh2 Server, for the demo and for fast tests.
 *
 * Guarantees: listens on loopback only; an Ed25519 host key that is stable across restarts when a
 * key file is given (created 0600 on first start); password authentication against an in-memory
 * table (and public keys when given); a shell with pty echo and line editing, exec with
 * `exit-status` sent before the channel ends; `chpasswd` over exec for users listed as rotators;
 * env, x11, agent, subsystem and all forwarding requests refused; `close()` ends every client.
 *
 * Not guaranteed: anything like a real shell (see hmi-shell.ts), signals, SFTP/scp, keyboard-
 * interactive auth, persistence of changed passwords (they live as long as the process).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { AuthContext, Connection, ParsedKey, PublicKeyAuthContext } from 'ssh2';
import type { Clock } from '../../../shared/src/clock.js';
import { AirlockError } from '../../../shared/src/errors.js';
import { readSecretFile, writeSecretFile } from '../../../shared/src/crypto/key-file.js';
import { silentLogger, type Logger } from '../../../shared/src/log.js';
import { createHmiHost, type HmiHost } from './hmi-shell.js';
import { loopbackAddress } from './loopback.js';
import { handleSession } from './ssh-session.js';

const { Server, utils } = ssh2;

export interface SshTargetOptions {
  /** Loopback only; default 127.0.0.1. */
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Shown in the prompt and by `hostname`; default `hmi-1`. */
  readonly hostname?: string;
  /** User → password. Copied: chpasswd changes the copy, never the caller's object. */
  readonly users: Readonly<Record<string, string>>;
  /** Users allowed to run `chpasswd` over exec. */
  readonly rotators?: readonly string[];
  /** User → OpenSSH public key lines (`ssh-ed25519 AAAA... comment`) accepted for that user. */
  readonly authorizedKeys?: Readonly<Record<string, readonly string[]>>;
  /** Host key file (OpenSSH private key); created 0600 when missing. Without it a key is generated per start. */
  readonly hostKeyPath?: string;
  /** Time for `date` and `uptime`; default real time. */
  readonly clock?: Pick<Clock, 'now'>;
  readonly log?: Logger;
}

export interface SshHostKeyInfo {
  /** e.g. `ssh-ed25519`. */
  readonly algorithm: string;
  /** OpenSSH public key line without comment: `ssh-ed25519 AAAA...`. */
  readonly publicKey: string;
  /** As `ssh-keygen -lf` prints it: `SHA256:` and unpadded base64. */
  readonly fingerprint: string;
}

export interface SshTarget {
  readonly kind: 'ssh';
  readonly host: string;
  readonly port: number;
  readonly hostname: string;
  readonly hostKey: SshHostKeyInfo;
  readonly users: readonly string[];
  /** A known_hosts line for this target, e.g. `[127.0.0.1]:40222 ssh-ed25519 AAAA...`. */
  knownHostsLine(): string;
  /** Whether `password` is the user's current password (tests check chpasswd with it). */
  hasPassword(user: string, password: string): boolean;
  close(): Promise<void>;
}

export async function startSshTarget(options: SshTargetOptions): Promise<SshTarget> {
  const host = loopbackAddress(options.host);
  const log = options.log ?? silentLogger;
  const passwords = new Map(Object.entries(options.users));
  if (passwords.size === 0)
    throw new AirlockError('bad_request', 'sim.no_users', 'the SSH target needs at least one user');
  const rotators = new Set(options.rotators ?? []);
  for (const r of rotators) {
    if (!passwords.has(r))
      throw new AirlockError(
        'bad_request',
        'sim.unknown_rotator',
        `rotator ${r} is not in the user table`,
      );
  }
  const authorizedKeys = parseAuthorizedKeys(options.authorizedKeys ?? {});
  const { privateKey, parsed } = loadOrCreateHostKey(options.hostKeyPath);
  const hostKey = describeHostKey(parsed);
  const hmi: HmiHost = createHmiHost(
    options.hostname ?? 'hmi-1',
    [...passwords.keys()],
    options.clock?.now ?? Date.now,
  );

  const connections = new Set<Connection>();
  const sockets = new Set<Socket>();
  const ssh = new Server({ hostKeys: [privateKey], ident: 'OpenSSH_9.2p1 Debian-2' });
  ssh.on('error', (e: Error) => log.warn('ssh server error', { err: e }));
  ssh.on('connection', (conn: Connection) => {
    connections.add(conn);
    conn.on('error', (e: Error) => log.debug('ssh client error', { err: e }));
    conn.on('close', () => connections.delete(conn));
    let user: string | undefined;
    conn.on('authentication', (ctx: AuthContext) => {
      const ok = authenticate(ctx, passwords, authorizedKeys);
      if (ok === 'accept') {
        user = ctx.username;
        log.info('ssh login', { user: ctx.username, method: ctx.method });
        ctx.accept();
      } else {
        if (ok === 'reject' && ctx.method !== 'none')
          log.info('ssh login refused', { user: ctx.username, method: ctx.method });
        ctx.reject(authorizedKeys.size > 0 ? ['password', 'publickey'] : ['password']);
      }
    });
    conn.on('ready', () => {
      if (user === undefined) {
        conn.end();
        return;
      }
      const who = user;
      conn.on('session', (accept) =>
        handleSession(accept(), who, rotators.has(who), hmi, passwords, log),
      );
      conn.on('tcpip', (_accept, reject) => reject());
      conn.on('openssh.streamlocal', (_accept, reject) => reject());
      conn.on('request', (_accept, reject) => reject?.());
    });
  });

  // Our own listener, so close() can destroy sockets of clients that ignore the disconnect.
  const tcp = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', (e) => log.debug('ssh socket error', { err: e }));
    socket.on('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    ssh.injectSocket(socket);
  });
  tcp.on('error', (e) => log.warn('ssh listener error', { err: e }));
  const port = await listen(tcp, host, options.port ?? 0);

  let closing: Promise<void> | undefined;
  return {
    kind: 'ssh',
    host,
    port,
    hostname: hmi.hostname,
    hostKey,
    users: [...passwords.keys()],
    knownHostsLine: () => `[${host}]:${port} ${hostKey.publicKey}`,
    hasPassword: (u, p) => checkPassword(passwords, u, p),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        for (const c of connections) c.end();
        // A client that does not answer the disconnect loses its socket after a short grace.
        const timer = setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 500);
        timer.unref();
        tcp.once('close', () => clearTimeout(timer));
      });
      return closing;
    },
  };
}

function listen(
  server: ReturnType<typeof createServer>,
  host: string,
  port: number,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void =>
      reject(
        new AirlockError('unavailable', 'sim.listen_failed', `cannot listen on ${host}:${port}`, {
          cause: e,
        }),
      );
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

function loadOrCreateHostKey(path: string | undefined): { privateKey: string; parsed: ParsedKey } {
  let privateKey: string;
  if (path !== undefined && existsSync(path)) {
    privateKey = Buffer.from(readSecretFile(path)).toString('utf8');
  } else {
    // ssh2 writes a public key that starts with a zero byte as 31 bytes (about one key in 256);
    // such a key never parses, so it is discarded and another drawn.
    do privateKey = utils.generateKeyPairSync('ed25519').private;
    while (utils.parseKey(privateKey) instanceof Error);
    if (path !== undefined) writeSecretFile(path, Buffer.from(privateKey, 'utf8'));
  }
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error)
    throw new AirlockError(
      'bad_request',
      'sim.host_key_invalid',
      `host key ${path ?? '(generated)'} cannot be parsed`,
      { cause: parsed },
    );
  return { privateKey, parsed };
}

function describeHostKey(key: ParsedKey): SshHostKeyInfo {
  const blob = key.getPublicSSH();
  return {
    algorithm: key.type,
    publicKey: `${key.type} ${blob.toString('base64')}`,
    fingerprint: `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`,
  };
}

function parseAuthorizedKeys(
  input: Readonly<Record<string, readonly string[]>>,
): Map<string, ParsedKey[]> {
  const out = new Map<string, ParsedKey[]>();
  for (const [user, lines] of Object.entries(input)) {
    const keys = lines.map((line, i) => {
      const key = utils.parseKey(line);
      if (key instanceof Error)
        throw new AirlockError(
          'bad_request',
          'sim.authorized_key_invalid',
          `authorized key ${i + 1} of ${user} cannot be parsed`,
          { cause: key },
        );
      return key;
    });
    if (keys.length > 0) out.set(user, keys);
  }
  return out;
}

function checkPassword(
  passwords: ReadonlyMap<string, string>,
  user: string,
  password: string,
): boolean {
  const expected = passwords.get(user);
  if (expected === undefined) return false;
  // Compare digests so the comparison takes the same time whatever the lengths.
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(password).digest();
  return timingSafeEqual(a, b);
}

function authenticate(
  ctx: AuthContext,
  passwords: ReadonlyMap<string, string>,
  keys: ReadonlyMap<string, ParsedKey[]>,
): 'accept' | 'reject' | 'methods' {
  switch (ctx.method) {
    case 'password':
      return checkPassword(passwords, ctx.username, ctx.password) ? 'accept' : 'reject';
    case 'publickey':
      return checkPublicKey(ctx, keys.get(ctx.username) ?? []);
    default:
      // "none" and methods we do not offer: answer with the list of methods that can work.
      return 'methods';
  }
}

function checkPublicKey(
  ctx: PublicKeyAuthContext,
  keys: readonly ParsedKey[],
): 'accept' | 'reject' {
  const key = keys.find((k) => k.type === ctx.key.algo && k.getPublicSSH().equals(ctx.key.data));
  if (key === undefined) return 'reject';
  // Without a signature the client only asks whether the key would do; accepting says "yes, sign".
  if (ctx.signature === undefined || ctx.blob === undefined) return 'accept';
  return key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) ? 'accept' : 'reject';
}
