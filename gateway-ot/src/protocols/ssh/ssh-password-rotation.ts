/**
 * The SSH side of password rotation: the vault's RotationTarget for an SSH asset (the vault drives
 * the rotation). Sets an account's password on a target through its rotation account with
 * `chpasswd` (or `sudo -n chpasswd`: sudo never prompts, the sudoers rule must allow chpasswd
 * without a password), and verifies a login with a password.
 * Both dial the target with its pinned host key (target-connection.ts), so a changed key refuses
 * before any credential is sent. The new password reaches chpasswd on its stdin only, never argv
 * (argv is visible in `ps` on the target); it is never logged; chpasswd's stderr is kept (bounded)
 * for the failure reason, with the password blanked out should it ever appear there.
 *
 * What a failure means for the target: chpasswd exiting non-zero changes nothing (it writes nothing
 * on any error); a connection lost after the password was sent, or no exit status, is unknown.
 */
import { resolveClientAlgorithms } from './ssh-client-algorithms.js';
import { AirlockError, describeError } from '../../../../shared/src/errors.js';
import type { LoginOutcome, RotationTarget, SetOutcome, VaultSecret } from '../../vault/vault.js';
import { parseHostKeyPin, type HostKeyPin } from './host-key-pin.js';
import type { SshAssetPolicy, SshRotationPolicy } from './ssh-policy.js';
import { connectTarget, type TargetConnection } from './target-connection.js';

export interface SshRotationOptions {
  /** SSH handshake timeout (real time). Default 15 s. */
  readonly readyTimeoutMs?: number;
  /** How long chpasswd may take once started (real time). Default 30 s. */
  readonly commandTimeoutMs?: number;
}

const STDERR_LIMIT = 1024;

/** The exec command for a policy's rotation command; `sudo -n` so a missing sudoers rule fails instead of waiting for a prompt. */
export function chpasswdCommand(command: SshRotationPolicy['command']): string {
  switch (command) {
    case 'chpasswd':
      return 'chpasswd';
    case 'sudo chpasswd':
      return 'sudo -n chpasswd';
    default: {
      const never: never = command;
      return never;
    }
  }
}

export function sshRotationTarget(
  asset: SshAssetPolicy,
  options: SshRotationOptions = {},
): RotationTarget | undefined {
  const rotation = asset.rotation;
  if (rotation === undefined) return undefined;
  const parsed = parseHostKeyPin(asset.hostKey);
  const pin: HostKeyPin | undefined = parsed.ok ? parsed.value : undefined;
  const dial = async (username: string, secret: VaultSecret): Promise<TargetConnection> => {
    if (pin === undefined)
      throw new AirlockError(
        'internal',
        'ssh.bad_pin',
        'the pinned host key in the local policy is invalid',
      );
    return connectTarget(
      { host: asset.address, port: asset.port, username, pin },
      {
        secrets: () => [secret],
        readyTimeoutMs: options.readyTimeoutMs ?? 15_000,
        algorithms: resolveClientAlgorithms(asset.algorithms),
      },
    );
  };
  return {
    account: asset.username,
    rotationAccount: rotation.account,
    onCheckIn: rotation.onCheckIn,
    intervalMs:
      rotation.intervalMinutes === undefined ? undefined : rotation.intervalMinutes * 60_000,
    async setPassword(rotationSecret, newPassword) {
      let connection: TargetConnection;
      try {
        connection = await dial(rotation.account, rotationSecret);
      } catch (e) {
        const code = e instanceof AirlockError ? e.code : 'ssh.target_error';
        return {
          ok: false,
          changed: 'no',
          code,
          message: `rotation account ${rotation.account}: ${describeError(e)}`,
        };
      }
      return runChpasswd(
        connection,
        chpasswdCommand(rotation.command),
        asset.username,
        newPassword,
        options.commandTimeoutMs ?? 30_000,
      );
    },
    async verifyLogin(password): Promise<LoginOutcome> {
      try {
        const { client } = await dial(asset.username, { kind: 'password', bytes: password });
        client.end();
        return { result: 'accepted' };
      } catch (e) {
        if (e instanceof AirlockError && e.code === 'ssh.target_auth_failed')
          return { result: 'refused' };
        return {
          result: 'error',
          code: e instanceof AirlockError ? e.code : 'ssh.target_error',
          message: describeError(e),
        };
      }
    },
  };
}

function runChpasswd(
  connection: TargetConnection,
  command: string,
  account: string,
  password: Buffer,
  timeoutMs: number,
): Promise<SetOutcome> {
  const { client } = connection;
  return new Promise((resolve) => {
    let sent = false;
    let settled = false;
    let status: number | undefined;
    let signal: string | undefined;
    let stderr = Buffer.alloc(0);
    const finish = (outcome: SetOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      resolve(outcome);
    };
    const lost = (why: string): SetOutcome =>
      sent
        ? {
            ok: false,
            changed: 'unknown',
            code: 'vault.rotate_lost',
            message: `${why} after the new password was sent; the target may or may not have it`,
          }
        : { ok: false, changed: 'no', code: 'vault.rotate_set_failed', message: why };
    const timer = setTimeout(
      () => finish(lost(`${command} did not finish within ${timeoutMs} ms`)),
      timeoutMs,
    );
    client.on('error', (e: Error) => finish(lost(`the connection failed (${e.message})`)));
    client.on('close', () => finish(lost('the connection closed')));
    client.exec(command, (e, channel) => {
      if (e !== undefined) {
        finish({
          ok: false,
          changed: 'no',
          code: 'vault.rotate_set_failed',
          message: `the target refused to run ${command}: ${e.message}`,
        });
        return;
      }
      channel.on('error', (err: Error) => finish(lost(`the channel failed (${err.message})`)));
      channel.stderr.on('data', (d: Buffer) => {
        if (stderr.length < STDERR_LIMIT)
          stderr = Buffer.concat([stderr, d]).subarray(0, STDERR_LIMIT);
      });
      channel.on('data', () => undefined);
      channel.on('exit', (code: number | null, sig?: string) => {
        if (typeof code === 'number') status = code;
        if (sig !== undefined) signal = sig;
      });
      channel.on('close', () => {
        if (status === 0) return finish({ ok: true });
        const said = redact(stderr, password)
          .toString('utf8')
          .trim()
          .replace(/\s+/g, ' ')
          .slice(0, 300);
        if (status !== undefined) {
          // chpasswd writes nothing when any line fails, and sudo -n refuses before running it.
          return finish({
            ok: false,
            changed: 'no',
            code: 'vault.rotate_refused',
            message: `${command} exited with status ${status}${said === '' ? '' : `: ${said}`}`,
          });
        }
        finish(
          lost(
            signal === undefined
              ? `${command} ended without an exit status`
              : `${command} was killed by ${signal}`,
          ),
        );
      });
      const prefix = Buffer.from(`${account}:`, 'utf8');
      const line = Buffer.alloc(prefix.length + password.length + 1);
      prefix.copy(line, 0);
      password.copy(line, prefix.length);
      line[line.length - 1] = 0x0a;
      sent = true;
      // The stream may hold the buffer until the window opens: it is zeroed once the channel is done.
      channel.once('close', () => line.fill(0));
      channel.end(line);
    });
  });
}

/** The bytes with every occurrence of the secret blanked (a defence: chpasswd does not echo it). */
function redact(text: Buffer, secret: Buffer): Buffer {
  if (secret.length === 0) return text;
  const out = Buffer.from(text);
  for (let i = out.indexOf(secret); i !== -1; i = out.indexOf(secret, i))
    out.fill(0x2a, i, i + secret.length);
  return out;
}
