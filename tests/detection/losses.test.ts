import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { bceWithLogits, softmaxCrossEntropy } from '../../src/detection/losses/cross_entropy.js';
import { sigmoidFocalLoss } from '../../src/detection/losses/focal_loss.js';
import { giouLoss, iouLoss } from '../../src/detection/losses/iou_loss.js';
import { weightReduce } from '../../src/detection/losses/loss.js';
import { l1Loss, smoothL1Loss } from '../../src/detection/losses/regression_losses.js';
import { compileSchema } from '../../src/registry/ajv.js';
import type { Loss } from '../../src/detection/losses/loss.js';
import { FocalLoss } from '../../registry/losses/focal_loss.js';
import { buildComponent, fakeContext } from './build_helpers.js';

function values(t: tf.Tensor): number[] {
  const v = [...t.dataSync()];
  t.dispose();
  return v;
}

function close(actual: number[], expected: number[], tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]) <= tol, `[${i}] ${a} vs ${expected[i]}`));
}

test('sigmoid focal loss equals BCE · α_t · p_t^γ on hand-computed cases', () => {
  // x=0,t=1: ln2·0.25·0.25; x=0,t=0: ln2·0.75·0.25; x=2,t=0: softplus(2)·0.75·σ(2)²; x=−1,t=1: softplus(1)·0.25·σ(1)².
  const loss = sigmoidFocalLoss(tf.tensor2d([[0, 0], [2, -1]]), tf.tensor2d([[1, 0], [0, 1]]));
  close(values(loss), [0.0433217, 0.1299651, 1.2375586, 0.1754671]);
});

test('focal loss gradient flows through the focal factor', () => {
  const g = tf.grad((x: tf.Tensor) => tf.sum(sigmoidFocalLoss(x, tf.tensor1d([0]))))(tf.tensor1d([0]));
  // d/dx [softplus(x)·0.75·σ(x)²] at 0 = 0.75·(σ·σ² + ln2·2σ·σ(1−σ)) = 0.75·(0.125 + ln2·0.25).
  close(values(g), [0.75 * (0.125 + Math.LN2 * 0.25)]);
});

test('FocalLoss from a config passes alpha as α and gamma as γ, its defaults 0.25 and 2 as in RetinaNet', () => {
  const logits = tf.tensor2d([[0, 0], [2, -1]]);
  const targets = tf.tensor2d([[1, 0], [0, 1]]);
  // α = 0.75, γ = 1: x=0,t=1: ln2·0.75·0.5; x=0,t=0: ln2·0.25·0.5; x=2,t=0: softplus(2)·0.25·σ(2); x=−1,t=1: softplus(1)·0.75·σ(1).
  const tuned = buildComponent<Loss>(FocalLoss, { alpha: 0.75, gamma: 1, loss_weight: 2 });
  close(values(tuned.elementwise(logits, targets)), [0.5198604, 0.1732868, 0.936696, 1.4401068]);
  close(values(tuned.compute(logits, targets)), [0.7674875]);
  close(values(tuned.compute(logits, targets, { avgFactor: 3 })), [1.0233167]);
  const defaults = buildComponent<Loss>(FocalLoss, {});
  close(values(defaults.elementwise(logits, targets)), [0.0433217, 0.1299651, 1.2375586, 0.1754671]);
  tf.dispose([logits, targets]);
});

test('BCE with logits is stable for large logits', () => {
  close(values(bceWithLogits(tf.tensor1d([1.5, 100, -100]), tf.tensor1d([0.3, 1, 0]))), [1.2514133, 0, 0]);
});

test('smooth L1 below and above beta; beta 0 is L1', () => {
  close(values(smoothL1Loss(tf.tensor1d([0.5, 2, -3]), tf.tensor1d([0, 0, 0]))), [0.125, 1.5, 2.5]);
  // β = 2: 0.5·d²/2 below 2 (d = 1 → 0.25), d − 1 above (d = 3 → 2, d = 2 at the edge → 1).
  close(values(smoothL1Loss(tf.tensor1d([1, -3, 2]), tf.tensor1d([0, 0, 0]), 2)), [0.25, 2, 1]);
  close(values(smoothL1Loss(tf.tensor1d([0.5, -3]), tf.tensor1d([0, 1]), 0)), [0.5, 4]);
  close(values(l1Loss(tf.tensor2d([[0.5, -3]]), tf.tensor2d([[1, 1]]))), [0.5, 4]);
});

test('softmax cross-entropy per sample: −Σ t·log softmax(x) over the last axis, one value per row', () => {
  const ce = softmaxCrossEntropy(tf.tensor2d([[0, 0], [2, 0], [1, 2]]), tf.tensor2d([[1, 0], [0, 1], [0.5, 0.5]]));
  assert.deepEqual(ce.shape, [3, 1]);
  // ln 2; ln(1 + e²) − 0; 0.5·(ln(e + e²) − 1) + 0.5·(ln(e + e²) − 2).
  const lse = Math.log(Math.E + Math.E ** 2);
  close(values(ce), [Math.LN2, Math.log(1 + Math.E ** 2), lse - 1.5]);
});

test("the shared loss options: loss_weight a number ≥ 0, reduction 'mean' or 'sum'; FocalLoss refuses what it does not implement", () => {
  const validate = compileSchema(FocalLoss.schema);
  const accepts = (options: Record<string, unknown>): boolean => validate(structuredClone(options));
  const filled: Record<string, unknown> = {};
  assert.ok(validate(filled));
  assert.deepEqual(filled, { use_sigmoid: true, alpha: 0.25, gamma: 2, loss_weight: 1, reduction: 'mean' });
  for (const ok of [{ alpha: 0 }, { alpha: 1 }, { gamma: 0 }, { gamma: 5 }, { loss_weight: 0 }, { reduction: 'sum' }, { use_sigmoid: true }]) assert.ok(accepts(ok), JSON.stringify(ok));
  const refused = [{ alpha: 1.5 }, { alpha: -0.1 }, { alpha: '0.25' }, { gamma: -1 }, { gamma: '2' }, { use_sigmoid: false }, { loss_weight: -1 }, { loss_weight: 'x' }, { reduction: 'none' }, { gama: 2 }];
  for (const bad of refused) assert.ok(!accepts(bad), JSON.stringify(bad));
});

test('losses are found by their config names', () => {
  const ctx = fakeContext('model.head');
  const focal = ctx.build<Loss>('loss', { type: 'FocalLoss', alpha: 0.25, gamma: 2 }, 'model.head.loss_cls');
  assert.equal(focal.name, 'FocalLoss');
  const logits = tf.tensor2d([[0, 0]]);
  const targets = tf.tensor2d([[1, 0]]);
  close(values(focal.compute(logits, targets, { avgFactor: 1 })), [0.0433217 + 0.1299651]);
  tf.dispose([logits, targets]);
});

test('IoU and GIoU losses on aligned boxes', () => {
  const pred = tf.tensor2d([[0, 0, 2, 2], [0, 0, 1, 1]]);
  const target = tf.tensor2d([[1, 1, 3, 3], [2, 0, 3, 1]]);
  close(values(giouLoss(pred, target)), [1 - (1 / 7 - 2 / 9), 1 + 1 / 3]);
  close(values(iouLoss(pred, target, 'linear')), [1 - 1 / 7, 1]);
  close(values(iouLoss(pred, target, 'square')), [1 - 1 / 49, 1]);
  // log mode clamps IoU at ε = 1e-6 before the log.
  close(values(iouLoss(pred, target, 'log')), [Math.log(7), -Math.log(1e-6)], 1e-3);
});

test('weightReduce with avgFactor divides the weighted sum', () => {
  const loss = tf.tensor1d([1, 2, 3]);
  close(values(weightReduce(loss, 'mean', { weight: tf.tensor1d([1, 0, 2]), avgFactor: 2 })), [3.5]);
  close(values(weightReduce(loss, 'mean')), [2]);
  close(values(weightReduce(loss, 'sum')), [6]);
  assert.throws(() => weightReduce(loss, 'sum', { avgFactor: 2 }), /^Error: avgFactor needs reduction 'mean', got 'sum'$/);
});
