/**
 * One SSH "session" channel of an authenticated operator: collects the pre-start requests (pty,
 * window size, the locale variables LANG and LC_* when their values are locale names), refuses
 * what Airlock never allows (agent forwarding, X11, other `env`, subsystems other than sftp; audited and noted to the operator, aggregated: ssh-refusals.ts), and on shell / exec / sftp opens ONE OT
 * session for the target named in the user name (or chosen in the menu) through OperatorSessions,
 * then hands the channel to SshSessionRelay. Requests are accepted at once (ssh2 drops a late
 * accept after the client's EOF); the channel is paused until the OT side has started.
 * Refusals (no grant, expired, outside window, locked down, offline, wrong target) are written to
 * stderr as one line saying why, with exit status 255.
 */
import type { PseudoTtyInfo, ServerChannel, Session } from 'ssh2';
import { AirlockError } from '../../../shared/src/errors.js';
import {
  isLocaleEnvName,
  isLocaleValue,
  type LocaleEnv,
} from '../../../shared/src/model/ssh-locale-env.js';
import { SERVICE_PORTS } from '../../../shared/src/model/asset-catalogue.js';
import { refusalText, type SshConnectionContext } from './ssh-context.js';
import { RequestRefusals } from './ssh-refusals.js';
import { runMenu, type MenuEntry } from './ssh-menu.js';
import { formatLocal } from '../access/access.js';
import {
  notify,
  REFUSED_EXIT_STATUS,
  SshSessionRelay,
  type SshStart,
} from './ssh-session-relay.js';
import { resolveTarget } from './ssh-targets.js';
import type { AssetRef } from './ssh-login-name.js';

export function handleSessionChannel(ctx: SshConnectionContext, session: Session): void {
  const { log } = ctx.services;
  let pty: PseudoTtyInfo | undefined;
  let relay: SshSessionRelay | undefined;
  let begun = false;
  const locale: LocaleEnv = {};
  // Refusals are counted and written once per flush (at the start and at the close of the channel).
  const refusals = new RequestRefusals(() => ctx);
  const refuse = (request: string, why: string, details: Record<string, unknown> = {}): void =>
    refusals.refuse(request, why, details);

  session.on('error', (e: Error) => log.debug('SSH session error', { err: e }));
  session.on('close', () => refusals.flush());
  session.on('pty', (accept, _reject, info) => {
    pty = info;
    accept?.();
  });
  session.on('window-change', (accept, _reject, info) => {
    accept?.();
    if (relay !== undefined) relay.window(info);
    else if (pty !== undefined)
      pty = { ...pty, cols: info.cols, rows: info.rows, width: info.width, height: info.height };
  });
  session.on('signal', (accept, _reject, info) => {
    accept?.();
    relay?.signal(info.name);
  });
  session.on('env', (accept, reject, info) => {
    const name = String(info.key).slice(0, 64);
    const value = String(info.val);
    // A stock client sends its locale (SendEnv LANG LC_*): passed on when it is a locale name.
    if (isLocaleEnvName(name) && isLocaleValue(value) && !begun) {
      locale[name] = value;
      accept?.();
      return;
    }
    reject?.();
    // The name only: values may hold secrets.
    refuse(
      'env',
      isLocaleEnvName(name)
        ? `environment variable ${name} is not passed on: its value is not a locale name such as C.UTF-8`
        : `environment variable ${name} is not passed on`,
      { name },
    );
  });
  session.on('auth-agent', (_accept, reject) => {
    reject?.();
    refuse('auth-agent', 'agent forwarding is refused by Airlock');
  });
  session.on('x11', (_accept, reject) => {
    reject?.();
    refuse('x11', 'X11 forwarding is refused by Airlock');
  });

  const begin = (channel: ServerChannel | undefined, start: SshStart): void => {
    if (channel === undefined || begun) return;
    begun = true;
    channel.pause();
    refusals.flush();
    ctx.refusals.flush();
    for (const n of refusals.takeNotices()) notify(channel, n);
    void open(channel, start).catch((e: unknown) =>
      log.error('SSH session failed to start', { err: e }),
    );
  };
  const env = (): { env?: LocaleEnv } => (Object.keys(locale).length > 0 ? { env: locale } : {});
  session.on('shell', (accept) => begin(accept(), { type: 'ssh.start', kind: 'shell', ...env() }));
  session.on('exec', (accept, _reject, info) => {
    const command = String(info.command);
    if (command.length === 0 || command.length > 32_768) {
      const ch = accept();
      if (ch !== undefined)
        finishRefused(ch, 'the command is empty or longer than 32768 characters');
      return;
    }
    begin(accept(), { type: 'ssh.start', kind: 'exec', command, ...env() });
  });
  session.on('subsystem', (accept, reject, info) => {
    if (info.name !== 'sftp') {
      reject?.();
      refusals.refuse('subsystem', undefined, { name: String(info.name).slice(0, 64) });
      return;
    }
    begin(accept(), { type: 'ssh.start', kind: 'subsystem', name: 'sftp' });
  });

  const open = async (channel: ServerChannel, start: SshStart): Promise<void> => {
    const { services, identity } = ctx;
    let ref: AssetRef | undefined = identity.name.target;
    if (ref === undefined) {
      if (start.kind !== 'shell' || pty === undefined) {
        return finishRefused(
          channel,
          `name a target in the user name, e.g. ssh ${identity.user.name}:<asset>@${services.hintHost}`,
        );
      }
      const chosen = await runMenu(channel, menuEntries(ctx), {
        loginUser: identity.user.name,
        host: services.hintHost,
        clock: services.clock,
        idleMs: services.menuIdleMs,
      });
      if (chosen === undefined) {
        channel.exit(0);
        channel.end();
        return;
      }
      ref = { site: chosen.site, asset: chosen.asset };
    }
    let live;
    try {
      const now = services.clock.now();
      const target = resolveTarget(services.targets, identity.user.id, ref, now);
      if (identity.freshKey !== undefined)
        services.fresh.requireForSite(identity.freshKey, target.site);
      if (target.asset.protocol !== 'ssh') {
        throw new AirlockError(
          'bad_request',
          'ssh.not_an_ssh_asset',
          `${target.asset.name} is reached over ${target.asset.protocol}: forward it with ssh -N -L <local port>:${target.asset.name}:${SERVICE_PORTS[target.asset.protocol]} ${identity.user.name}@${services.hintHost}`,
        );
      }
      live = await services.sessions.open({
        user: identity.user.id,
        site: target.site,
        asset: target.asset.name,
        protocol: 'ssh',
        channel: 'ssh-session',
        via: 'ssh',
        source: ctx.source,
      });
    } catch (e) {
      return finishRefused(channel, refusalText(e));
    }
    if (channel.destroyed) {
      live.end('the operator left before the session started');
      return;
    }
    relay = new SshSessionRelay(channel, live, log);
    relay.start(pty, start);
  };
}

function menuEntries(ctx: SshConnectionContext): MenuEntry[] {
  const { services, identity } = ctx;
  return services.targets.checker.usableNow(identity.user.id, services.clock.now()).map((allow) => {
    const site = allow.grant.site;
    const zone = services.targets.sites.get(site)?.timezone ?? 'UTC';
    const until = `${formatLocal(allow.grant.notAfter, zone)} ${zone}`;
    return { site, asset: allow.asset, allow, until };
  });
}

/** One line saying why on stderr, exit status 255, channel closed. */
function finishRefused(channel: ServerChannel, why: string): void {
  notify(channel, why);
  channel.exit(REFUSED_EXIT_STATUS);
  channel.end();
}
