/**
 * Local forwarding (`ssh -L 15020:plc-1:502`, a direct-tcpip channel): the destination host must be
 * an asset (`plc-1` or `plant-1/plc-1`) reached over Modbus or OPC UA, and the destination port
 * its service port; the user must hold a grant for it now (OperatorSessions runs the access check).
 * Each accepted channel is one OT session with a `tcp-forward` ticket for the asset's protocol,
 * so the OT broker for that protocol (Modbus proxy, OPC UA broker) applies the grant's profile.
 * SSH assets are never forwarded: they are reached as SSH sessions, which are recorded and
 * filtered. Every forward, opened or refused, is audited `ssh.forward`; a refusal is a
 * channel-open failure "administratively prohibited" with the reason as its description, which
 * OpenSSH prints ("channel 2: open failed: administratively prohibited: airlock: ...").
 */
import type { AcceptConnection, RejectConnection, ServerChannel, TcpipRequestInfo } from 'ssh2';
import { AirlockError } from '../../../shared/src/errors.js';
import type { AuditOutcome } from '../../../shared/src/audit/audit-event.js';
import { refusalCode, refusalText, type SshConnectionContext } from './ssh-context.js';
import { parseAssetRef } from './ssh-login-name.js';
import { resolveTarget, type ResolvedTarget } from './ssh-targets.js';
import type { LiveSession } from '../sessions/sessions.js';

export async function handleDirectTcpip(
  ctx: SshConnectionContext,
  accept: AcceptConnection<ServerChannel>,
  reject: (description: string) => void,
  info: TcpipRequestInfo,
): Promise<void> {
  const { services, identity } = ctx;
  const dest = `${String(info.destIP).slice(0, 128)}:${info.destPort}`;
  const record = (
    outcome: AuditOutcome,
    details: Record<string, unknown>,
    target?: ResolvedTarget,
  ): void => {
    try {
      services.audit.append({
        action: 'ssh.forward',
        actor: identity.user.name,
        site: target?.site ?? null,
        target: target?.asset.name ?? null,
        outcome,
        details: { destination: dest, source: ctx.source, ...details },
      });
    } catch (e) {
      services.log.error('could not audit a port forward', { err: e });
    }
  };
  let target: ResolvedTarget | undefined;
  let live: LiveSession;
  try {
    const ref = parseAssetRef(String(info.destIP));
    if (!ref.ok)
      throw new AirlockError(
        'bad_request',
        'ssh.forward_not_asset',
        `forwarding goes only to assets, not to ${dest}`,
      );
    target = resolveTarget(services.targets, identity.user.id, ref.value, services.clock.now());
    if (identity.freshKey !== undefined)
      services.fresh.requireForSite(identity.freshKey, target.site);
    const { asset } = target;
    if (asset.protocol === 'ssh')
      throw new AirlockError(
        'access_denied',
        'ssh.forward_ssh_asset',
        `${asset.name} is an SSH asset: open it with ssh ${identity.user.name}:${asset.name}@${services.hintHost}, it is not forwarded`,
      );
    if (info.destPort !== asset.servicePort)
      throw new AirlockError(
        'access_denied',
        'ssh.forward_wrong_port',
        `${asset.name} is reached on port ${asset.servicePort} (${asset.protocol}), not ${info.destPort}`,
      );
    live = await services.sessions.open({
      user: identity.user.id,
      site: target.site,
      asset: asset.name,
      protocol: asset.protocol,
      channel: 'tcp-forward',
      via: 'ssh',
      source: ctx.source,
    });
  } catch (e) {
    record('denied', { code: refusalCode(e), reason: refusalText(e) }, target);
    reject(`airlock: ${refusalText(e)}`);
    return;
  }
  const channel = accept();
  if (channel === undefined) {
    live.end('the forwarding channel closed before it opened');
    return;
  }
  record('success', { sessionId: live.id, protocol: target.asset.protocol }, target);
  const ot = live.stream.stream;
  channel.on('error', (e: Error) =>
    services.log.debug('forward channel error', { sessionId: live.id, err: e }),
  );
  ot.on('error', (e: Error) =>
    services.log.debug('forward stream error', { sessionId: live.id, err: e }),
  );
  channel.pipe(ot);
  ot.pipe(channel);
  // The session's end ends its stream after the buffered bytes, and the pipe then ends the channel.
  channel.on('close', () => live.end('the operator closed the forwarded connection'));
}

/** RFC 4254 §5.1 SSH_OPEN_ADMINISTRATIVELY_PROHIBITED. */
const ADMINISTRATIVELY_PROHIBITED = 1;

/**
 * ssh2's reject takes no reason upstream; patches/ssh2+1.17.0.patch lets it send a reason code and
 * a description (one line, printable, bounded: the client prints it as is).
 */
export function rejectWithReason(reject: RejectConnection, description: string): void {
  const text = description.replace(/[^\x20-\x7e]/g, ' ').slice(0, 300);
  (reject as unknown as (reason: number, description: string) => void)(
    ADMINISTRATIVELY_PROHIBITED,
    text,
  );
}
