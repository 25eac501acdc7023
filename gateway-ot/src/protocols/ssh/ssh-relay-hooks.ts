/**
 * What the broker's relay does with the bytes of a started session: records output, stderr and
 * input (when there is a recording: not for SFTP), and for an interactive shell puts the command
 * filter between the operator's keys and the target (filter/interactive-filter.ts), its notices
 * and redraws written into the terminal and the recording alike.
 *
 * Not here: the relay itself (ssh-relay.ts) and what a refused line looks like (the filter).
 */
import type { OtToItSshMessage } from '../../../../shared/src/model/ssh-channel.js';
import type { SessionRecorder } from '../../recording/recording.js';
import type { BrokerSession, RequestReview } from '../../sessions/sessions.js';
import { InteractiveFilter } from './filter/interactive-filter.js';
import { isSshAsset, type SshProfile } from './ssh-policy.js';
import type { RelayHooks } from './ssh-relay.js';
import type { StartMessage } from './ssh-start-checks.js';

export interface RelayHooksOptions {
  readonly session: BrokerSession;
  readonly profile: SshProfile | undefined;
  readonly start: StartMessage;
  readonly recorder: SessionRecorder | undefined;
  readonly requestReview: RequestReview | undefined;
  sendControl(m: OtToItSshMessage): void;
  finish(reason: string): void;
  /** A gateway notice on its own lines. */
  notice(text: string): void;
  /** Raw terminal output of the gateway's own (recorded). */
  show(text: string): void;
}

export function relayHooks(o: RelayHooksOptions): RelayHooks {
  const { session, profile, recorder: rec } = o;
  const hooks: RelayHooks = {
    sendControl: (m) => o.sendControl(m),
    finish: (reason) => o.finish(reason),
    log: session.log,
  };
  if (rec === undefined) return hooks;
  hooks.onOutput = (d) => rec.output(d);
  hooks.onStderr = (d) => rec.output(d);
  hooks.onInput = (d, forward) => {
    rec.input(d);
    forward(d);
  };
  if (profile?.mode !== 'interactive' || o.start.kind !== 'shell') return hooks;
  const timeoutMs = profile.reviewTimeoutSeconds * 1000;
  const filter = new InteractiveFilter({
    rules: profile.rules,
    defaultAction: profile.defaultAction,
    uncertain: profile.uncertain,
    // Each line is decided by the policy in force (a reload applies to the next line); a profile
    // a reload removed or made non-interactive allows no further line.
    current: () => {
      const a = session.currentAsset();
      const now = a !== undefined && isSshAsset(a) ? a.profiles[session.profileName] : undefined;
      return now?.mode === 'interactive'
        ? now
        : { rules: [], defaultAction: 'deny', uncertain: 'deny' };
    },
    reviewTimeoutMs: timeoutMs,
    lineDiscipline: profile.lineDiscipline ?? 'unknown',
    clock: session.clock,
    requestReview: (line, why) =>
      o.requestReview?.(session, line, why, timeoutMs) ?? Promise.resolve({ decision: 'deny' }),
    audit: (action, outcome, details) =>
      session.audit({ action, target: session.assetName, outcome, details }),
    notify: (text) => o.notice(text),
    redraw: (text) => o.show(text),
    recordInput: (text) => rec.input(text),
  });
  hooks.onOutput = (d) => {
    filter.output(d);
    rec.output(d);
  };
  hooks.onInput = (d, forward) => filter.input(d, forward);
  return hooks;
}
