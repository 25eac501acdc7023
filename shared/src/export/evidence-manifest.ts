/**
 * An evidence pack (docs/audit.md, "Evidence pack") is an export bundle about ONE grant or ONE
 * maintenance window: the ordinary per-site bundle for the subject's time range, plus
 * `evidence/evidence.json` (the request, approvals, scope, sessions, operations, refusals and policy
 * hashes, as structured data) and `evidence/summary.md` (the same for people), and a signed list in
 * the manifest (`evidence`) of the chain events the pack is about, each by log, seq and hash.
 *
 * This module only describes and parses; evidence-check.ts proves each listed event is one of the
 * bundle's verified chain events. A bundle without `evidence` is an ordinary export, byte for byte.
 */
import { z } from 'zod';

export const EVIDENCE_JSON = 'evidence/evidence.json';
export const EVIDENCE_SUMMARY = 'evidence/summary.md';

/** Why an event is in the pack (one event can be several; the first that applies is kept). */
export const EVIDENCE_ROLES = [
  'request',
  'approval',
  'grant',
  'session',
  'operation',
  'refusal',
  'policy',
  'recording',
  'other',
] as const;
export type EvidenceRole = (typeof EVIDENCE_ROLES)[number];

const HEX64 = /^[0-9a-f]{64}$/;

export const evidenceRefSchema = z.strictObject({
  log: z.enum(['it', 'ot']),
  seq: z.number().int().positive(),
  hash: z.string().regex(HEX64),
  role: z.enum(EVIDENCE_ROLES),
});
export type EvidenceRef = z.output<typeof evidenceRefSchema>;

export const evidenceManifestSchema = z.strictObject({
  subject: z.strictObject({
    kind: z.enum(['grant', 'window']),
    id: z.string().min(1).max(64),
  }),
  /** The events the pack is about, in (log, seq) order; the rest of the segment is context. */
  events: z.array(evidenceRefSchema).max(1_000_000),
});
export type EvidenceManifest = z.output<typeof evidenceManifestSchema>;

/** A small text member of the pack (evidence.json, summary.md), written in full. */
export interface EvidenceMember {
  readonly path: typeof EVIDENCE_JSON | typeof EVIDENCE_SUMMARY;
  readonly text: string;
}

/** What a bundle writer adds to make an export an evidence pack. */
export interface EvidenceAddition {
  readonly manifest: EvidenceManifest;
  readonly members: readonly EvidenceMember[];
}
