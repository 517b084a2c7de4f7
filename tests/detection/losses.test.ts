import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../src/engine/tf.js';
import { bceWithLogits } from '../../src/detection/losses/cross_entropy.js';
import { sigmoidFocalLoss } from '../../src/detection/losses/focal_loss.js';
import { giouLoss, iouLoss } from '../../src/detection/losses/iou_loss.js';
import { weightReduce } from '../../src/detection/losses/loss.js';
import { smoothL1Loss } from '../../src/detection/losses/regression_losses.js';
import type { Loss } from '../../src/detection/losses/loss.js';
import { FocalLoss } from '../../registry/losses/focal_loss.js';
import { buildComponent } from './build_helpers.js';

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

test('smooth L1 below and above beta', () => {
  close(values(smoothL1Loss(tf.tensor1d([0.5, 2, -3]), tf.tensor1d([0, 0, 0]))), [0.125, 1.5, 2.5]);
});

test('IoU and GIoU losses on aligned boxes', () => {
  const pred = tf.tensor2d([[0, 0, 2, 2], [0, 0, 1, 1]]);
  const target = tf.tensor2d([[1, 1, 3, 3], [2, 0, 3, 1]]);
  close(values(giouLoss(pred, target)), [1 - (1 / 7 - 2 / 9), 1 + 1 / 3]);
  close(values(iouLoss(pred, target, 'linear')), [1 - 1 / 7, 1]);
  // log mode clamps IoU at ε = 1e-6 before the log.
  close(values(iouLoss(pred, target, 'log')), [Math.log(7), -Math.log(1e-6)], 1e-3);
});

test('weightReduce with avgFactor divides the weighted sum', () => {
  const loss = tf.tensor1d([1, 2, 3]);
  close(values(weightReduce(loss, 'mean', { weight: tf.tensor1d([1, 0, 2]), avgFactor: 2 })), [3.5]);
  close(values(weightReduce(loss, 'mean')), [2]);
  close(values(weightReduce(loss, 'sum')), [6]);
});
