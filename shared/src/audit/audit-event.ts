/**
 * The shape of an audit event and how its hash is computed. The hash covers every field but the
 * hash itself, through the canonical JSON encoding, so changing any byte of any field, the sequence
 * number or the link to the previous event changes it. Shared by the log, the IT-side ingest of OT
 * events and the offline verifier of export bundles.
 */
import { z } from 'zod';
import { canonicalJson } from '../crypto/canonical.js';
import { blake2bHex } from '../crypto/hash.js';

export const AUDIT_OUTCOMES = ['success', 'failure', 'denied'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** The hash that precedes the first event of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEventInput {
  readonly action: string;
  /** Who acted: a user name, or `system:<component>` for the gateway itself. */
  readonly actor: string;
  readonly site?: string | null;
  /** What was acted on: an asset, a user, a grant id... */
  readonly target?: string | null;
  readonly outcome: AuditOutcome;
  /** Structured facts; must never contain a secret. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditEvent {
  readonly seq: number;
  readonly id: string;
  readonly time: number;
  readonly actor: string;
  readonly action: string;
  readonly site: string | null;
  readonly target: string | null;
  readonly outcome: AuditOutcome;
  readonly details: Readonly<Record<string, unknown>>;
  readonly prevHash: string;
  readonly hash: string;
}

export interface Checkpoint {
  readonly seq: number;
  readonly hash: string;
  readonly time: number;
  /** base64url Ed25519 signature over the canonical encoding of { seq, hash, time }. */
  readonly signature: string;
  /** base64url public key of the signer, for display and key lookup; trust comes from the verifier's key. */
  readonly publicKey: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

export const auditEventSchema = z.strictObject({
  seq: z.number().int().positive(),
  id: z.string().min(1).max(64),
  time: z.number().int().nonnegative(),
  actor: z.string().min(1).max(256),
  action: z.string().min(1).max(64),
  site: z.string().max(128).nullable(),
  target: z.string().max(512).nullable(),
  outcome: z.enum(AUDIT_OUTCOMES),
  details: z.record(z.string(), z.unknown()),
  prevHash: z.string().regex(HEX64),
  hash: z.string().regex(HEX64),
});

export const checkpointSchema = z.strictObject({
  seq: z.number().int().positive(),
  hash: z.string().regex(HEX64),
  time: z.number().int().nonnegative(),
  signature: z.string().min(1).max(128),
  publicKey: z.string().min(1).max(64),
});

export function eventHashInput(e: Omit<AuditEvent, 'hash'>): string {
  return canonicalJson({
    seq: e.seq,
    id: e.id,
    time: e.time,
    actor: e.actor,
    action: e.action,
    site: e.site,
    target: e.target,
    outcome: e.outcome,
    details: e.details,
    prevHash: e.prevHash,
  });
}

/**
 * `eventHashInput` assembled in key order around details already canonically encoded (the log
 * encodes them once per event and stores the same text); falls back to the general encoder for a
 * value of an unexpected type, so the bytes are always canonicalJson's (a unit test compares).
 */
function eventHashInputAround(e: Omit<AuditEvent, 'hash'>, detailsJson: string): string {
  if (
    !Number.isFinite(e.seq) ||
    !Number.isFinite(e.time) ||
    typeof e.id !== 'string' ||
    typeof e.actor !== 'string' ||
    typeof e.action !== 'string' ||
    typeof e.outcome !== 'string' ||
    typeof e.prevHash !== 'string' ||
    (e.site !== null && typeof e.site !== 'string') ||
    (e.target !== null && typeof e.target !== 'string')
  )
    return eventHashInput(e);
  const str = JSON.stringify;
  return (
    `{"action":${str(e.action)},"actor":${str(e.actor)},"details":${detailsJson},"id":${str(e.id)},` +
    `"outcome":${str(e.outcome)},"prevHash":${str(e.prevHash)},"seq":${str(e.seq)},"site":${e.site === null ? 'null' : str(e.site)},` +
    `"target":${e.target === null ? 'null' : str(e.target)},"time":${str(e.time)}}`
  );
}

/** The event's hash; pass `detailsJson` when the canonical encoding of `e.details` is at hand. */
export function computeEventHash(e: Omit<AuditEvent, 'hash'>, detailsJson?: string): string {
  return blake2bHex(
    detailsJson === undefined ? eventHashInput(e) : eventHashInputAround(e, detailsJson),
  );
}

/** What a checkpoint signature covers. */
export function checkpointSigningInput(c: Pick<Checkpoint, 'seq' | 'hash' | 'time'>): {
  seq: number;
  hash: string;
  time: number;
} {
  return { seq: c.seq, hash: c.hash, time: c.time };
}
