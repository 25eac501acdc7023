/**
 * The Modbus TCP broker the OT gateway registers for `modbus` assets: for each verified session it
 * runs one modbus-session (operator stream <-> one connection to the asset's PLC, the session's
 * access profile in between). See modbus-session.ts for what a session guarantees and
 * docs/modbus.md for the rules, the exception codes and what is audited.
 *
 * A session whose asset is not a Modbus asset, or whose profile the local policy does not define,
 * is refused (audited as `session.deny`) and its channel closed: the link layer should never hand
 * one over, and the broker does not trust that it did not.
 */
import { describeError } from '../../../../shared/src/errors.js';
import type { BrokerSession, ProfileLearning, ProtocolBroker } from '../../sessions/sessions.js';
import { modbusOperation, type ModbusLearnHook } from './modbus-learning.js';
import { isModbusAsset, type ModbusProfile } from './modbus-policy.js';
import { compileProfile, decide, type CompiledProfile } from './modbus-rules.js';
import { runModbusSession, type Refusal } from './modbus-session.js';
import { EXCEPTION } from './modbus-pdu.js';
import { dialTcp, type Dial } from './plc-connection.js';

export interface ModbusBrokerDeps {
  /** Opens TCP connections to PLCs; default node:net `connect` with TCP_NODELAY. */
  readonly dial?: Dial;
  /** Parsed requests a session holds before it stops reading the operator's stream; default 64. */
  readonly maxQueuedRequests?: number;
  /** How long a closing session waits for its last answer to flush; default 2000 ms. */
  readonly closeGraceMs?: number;
  /** Learn mode; absent (unit tests of the broker alone): every profile enforces. */
  readonly learning?: ProfileLearning;
}

/**
 * While the profile learns, a request is decided by the profile's learn ceiling until the window
 * ends, and each allowed request is recorded. The window is read at each request, so `policy learn`
 * (and `--stop`) applies to live sessions too. A profile without a ceiling never learns (the CLI
 * refuses to switch it; this is the broker's own check). Fails closed: when the window cannot be
 * read or a request cannot be recorded, the profile decides.
 */
function learnHook(
  session: BrokerSession,
  ceiling: CompiledProfile | undefined,
  learning: ProfileLearning | undefined,
): ModbusLearnHook | undefined {
  if (learning === undefined || ceiling === undefined) return undefined;
  let until: number | undefined;
  try {
    until = learning.learningUntil(session.assetName, session.profileName);
  } catch (e) {
    session.log.error('learn window unreadable; the profile enforces', { err: describeError(e) });
  }
  if (until === undefined) return undefined;
  const end = until;
  return {
    decide(unit, request) {
      if (session.clock.now() >= end) return undefined;
      const d = decide(ceiling, unit, request);
      if (!d.allow) return d;
      try {
        learning.record(session, { ...modbusOperation(unit, request) });
        return d;
      } catch (e) {
        // Nothing goes beyond the profile unrecorded: the profile decides this request.
        session.log.error('learned operation not recorded', { err: describeError(e) });
        return undefined;
      }
    },
  };
}

interface Compiled {
  readonly rules: CompiledProfile;
  readonly ceiling: CompiledProfile | undefined;
}

/** Every request of a session whose asset or profile a policy reload removed. */
const GONE: Refusal = {
  allow: false,
  rule: 'function',
  exception: EXCEPTION.ILLEGAL_FUNCTION,
  reason: 'the profile is no longer in the local policy (reloaded)',
};

export function createModbusBroker(deps: ModbusBrokerDeps = {}): ProtocolBroker {
  const dial = deps.dial ?? dialTcp;
  const maxQueued = deps.maxQueuedRequests ?? 64;
  const closeGraceMs = deps.closeGraceMs ?? 2000;
  // Profiles are immutable values from a loaded policy: compile each (and its ceiling) once.
  const compiled = new WeakMap<ModbusProfile, Compiled>();
  const compile = (profile: ModbusProfile): Compiled => {
    let c = compiled.get(profile);
    if (c === undefined) {
      c = {
        rules: compileProfile(profile),
        ceiling:
          profile.learnCeiling === undefined
            ? undefined
            : compileProfile({ ...profile, ...profile.learnCeiling }),
      };
      compiled.set(profile, c);
    }
    return c;
  };
  return {
    protocol: 'modbus',
    handle(session, channel) {
      const asset = session.asset;
      const profile = isModbusAsset(asset) ? asset.profiles[session.profileName] : undefined;
      if (!isModbusAsset(asset) || profile === undefined) {
        const reason = !isModbusAsset(asset)
          ? `asset ${session.assetName} is not a Modbus asset`
          : `profile ${session.profileName} is not defined for ${session.assetName} in the local policy`;
        try {
          session.audit({
            action: 'session.deny',
            target: session.assetName,
            outcome: 'denied',
            details: { protocol: 'modbus', profile: session.profileName, reason },
          });
        } catch (e) {
          session.log.error('session.deny could not be recorded', { err: String(e) });
        }
        channel.stream.on('error', () => undefined);
        channel.stream.destroy();
        return Promise.resolve({ reason });
      }
      channel.onControl((message) =>
        session.log.debug('modbus session ignores control messages', { type: message.type }),
      );
      return runModbusSession({
        session,
        stream: channel.stream,
        asset,
        profile: compile(profile).rules,
        rules: () => {
          // The policy in force now (a reload applies to the next request of this session).
          const now = session.currentAsset();
          const p =
            now !== undefined && isModbusAsset(now) ? now.profiles[session.profileName] : undefined;
          if (p === undefined) return GONE;
          const c = compile(p);
          return { profile: c.rules, learn: learnHook(session, c.ceiling, deps.learning) };
        },
        dial,
        maxQueued,
        closeGraceMs,
      });
    },
  };
}
