import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_CONTROL_FRAME_BYTES, OT_TO_IT } from '../link/control-messages.js';
import { decodeFrame, encodeFrame } from '../link/frame-codec.js';
import {
  MAX_PUBLISHED_DIFF_LINES,
  MAX_PUBLISHED_PROFILES,
  MAX_PUBLISHED_REFUSALS,
  type LearningStatus,
  type ProfileLearning,
} from './learning-status.js';

const HASH = 'a'.repeat(64);

function profile(i: number, line = '+ x', text = 'r'): ProfileLearning {
  return {
    asset: `plc-${i}`,
    profile: 'job',
    window: { until: 2, startedAt: 1, startedBy: 'cli:olga' },
    proposal: {
      id: `prp_${i}`,
      createdAt: 1,
      createdBy: 'cli:olga',
      appliedAt: null,
      basePolicySha256: HASH,
      review: {
        operations: 3,
        added: 1,
        removed: 0,
        diff: [line],
        replay: {
          since: 0,
          replayed: 1,
          refusedTotal: 1,
          refused: [
            {
              at: 1,
              source: 'audit',
              seq: 7,
              sessionId: 'ses_1',
              operation: text,
              rule: 'address',
              reason: text,
            },
          ],
        },
      },
    },
  };
}

const decode = (status: unknown) =>
  decodeFrame(
    OT_TO_IT,
    JSON.stringify({ type: 'learning', status }),
    false,
    MAX_CONTROL_FRAME_BYTES,
  );

test('a learning message decodes on the IT side; an unknown field or a list over its cap is a violation', () => {
  const status: LearningStatus = { policySha256: HASH, profiles: [profile(1)] };
  const ok = decode(status);
  assert.ok(ok.ok);
  assert.deepEqual(ok.value, { type: 'learning', status });

  const extra = { ...status, profiles: [{ ...profile(1), mode: 'enforce' }] };
  const bad = decode(extra);
  assert.equal(bad.ok ? 'decoded' : bad.error.code, 'frame.invalid');

  const p = profile(1);
  const refused = p.proposal?.review?.replay?.refused[0];
  assert.ok(refused !== undefined && p.proposal?.review?.replay);
  const tooMany = {
    ...status,
    profiles: [
      {
        ...p,
        proposal: {
          ...p.proposal,
          review: {
            ...p.proposal.review,
            replay: {
              ...p.proposal.review.replay,
              refused: Array.from({ length: MAX_PUBLISHED_REFUSALS + 1 }, () => refused),
            },
          },
        },
      },
    ],
  };
  const over = decode(tooMany);
  assert.equal(over.ok ? 'decoded' : over.error.code, 'frame.invalid');
  const badId = decode({ ...status, profiles: [{ ...p, proposal: { ...p.proposal, id: 'x' } }] });
  assert.equal(badId.ok ? 'decoded' : badId.error.code, 'frame.invalid');
});

test('a publication at every cap still fits in one control frame', () => {
  const full = (i: number): ProfileLearning => {
    const p = profile(i, `+ ${'x'.repeat(198)}`, 'y'.repeat(300));
    const review = p.proposal?.review;
    const refused = review?.replay?.refused[0];
    assert.ok(p.proposal !== null && review && review.replay && refused);
    return {
      ...p,
      proposal: {
        ...p.proposal,
        review: {
          ...review,
          diff: Array.from({ length: MAX_PUBLISHED_DIFF_LINES }, () => `+ ${'x'.repeat(198)}`),
          replay: {
            ...review.replay,
            refused: Array.from({ length: MAX_PUBLISHED_REFUSALS }, () => ({
              ...refused,
              sessionId: 's'.repeat(64),
              rule: 'r'.repeat(100),
            })),
          },
        },
      },
    };
  };
  const status: LearningStatus = {
    policySha256: HASH,
    profiles: Array.from({ length: MAX_PUBLISHED_PROFILES }, (_, i) => full(i)),
  };
  const frame = encodeFrame({ type: 'learning', status });
  assert.ok(
    Buffer.byteLength(frame) < MAX_CONTROL_FRAME_BYTES,
    `${Buffer.byteLength(frame)} bytes`,
  );
  assert.ok(decode(status).ok);
});
