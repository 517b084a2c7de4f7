/**
 * PAA's box loss as mmdet's PAAHead computes it: GIoU per positive weighted by
 * the IoU target (IoU of the detached decoded box with its gt) clamped at
 * 1e-12, over the sum of the targets; the weights are constants.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor2D } from '../../src/engine/tf.js';
import { paaBoxLoss, type PaaStyleHead } from '../../src/detection/heads/paa_style_head.js';
import { alignedIoUTensor } from '../../src/detection/losses/iou_loss.js';
import type { Loss } from '../../src/detection/losses/loss.js';
import { GIoULoss } from '../../registry/losses/giou_loss.js';
import { PaaStyleHeadComponent } from '../../registry/heads/paa_style_head.js';
import { buildComponent } from './build_helpers.js';
import { decodedPositives, iouGiou, PAA_GT, paaFeatures, SMALL_PAA, type Box } from './paa_fixtures.js';

/** Σ w_i·L_i / Σ w_i with w_i = max(IoU_i, 1e-12), times the loss weight. */
function expectedIouWeighted(preds: Box[], gts: Box[], lossWeight: number): number {
  let num = 0;
  let den = 0;
  preds.forEach((p, i) => {
    const { iou, giouLoss } = iouGiou(p, gts[i]);
    const w = Math.max(iou, 1e-12);
    num += w * giouLoss;
    den += w;
  });
  return (lossWeight * num) / den;
}

const giou = (weight: number): Loss => buildComponent<Loss>(GIoULoss, { loss_weight: weight });

// IoU 1 (loss 0), 1/3 (loss 2/3), 0 (disjoint: weight 1e-12, loss 4/3), 1/4 (loss 3/4).
const PREDS: Box[] = [[0, 0, 2, 2], [0, 0, 2, 2], [0, 0, 1, 1], [0, 0, 4, 4]];
const GTS: Box[] = [[0, 0, 2, 2], [1, 0, 3, 2], [2, 0, 3, 1], [1, 1, 3, 3]];

test('IoU-weighted box loss equals Σ w_i·GIoU-loss_i / Σ w_i with w = max(IoU target, 1e-12)', () => {
  const pred = tf.tensor2d(PREDS);
  const gts = tf.tensor2d(GTS);
  const got = paaBoxLoss(giou(1.3), pred, gts, alignedIoUTensor(pred, gts), 'iou').dataSync()[0];
  // (1·0 + ⅓·⅔ + 1e-12·4/3 + ¼·¾) / (1 + ⅓ + 1e-12 + ¼), times 1.3
  const want = expectedIouWeighted(PREDS, GTS, 1.3);
  assert.ok(Math.abs(want - (1.3 * (2 / 9 + 3 / 16)) / (1 + 1 / 3 + 1 / 4)) < 1e-9, 'the hand formula');
  assert.ok(Math.abs(got - want) < 1e-6, `${got} vs ${want}`);
  const mean = paaBoxLoss(giou(1.3), pred, gts, alignedIoUTensor(pred, gts), 'mean').dataSync()[0];
  const plain = (1.3 * PREDS.reduce((s, p, i) => s + iouGiou(p, GTS[i]).giouLoss, 0)) / PREDS.length;
  assert.ok(Math.abs(mean - plain) < 1e-6, `'mean': ${mean} vs ${plain}`);
  assert.ok(Math.abs(mean - got) > 0.1, 'the two weightings differ on this case');
  tf.dispose([pred, gts]);
});

test('the IoU weights are constants: the gradient is that of Σ w·L / Σ w with w fixed, not through w', () => {
  const pred = tf.variable(tf.tensor2d(PREDS));
  const gts = tf.tensor2d(GTS);
  const loss = giou(1);
  // The target computed from the live boxes, so only paaBoxLoss itself can cut it from the tape.
  const g = tf.grad((p) => paaBoxLoss(loss, p as Tensor2D, gts, alignedIoUTensor(p, gts), 'iou'))(pred);
  const wConst = tf.maximum(tf.tensor2d(PREDS.map((p, i) => [iouGiou(p, GTS[i]).iou]), [4, 1]), 1e-12);
  const gFixed = tf.grad((p) => tf.div(tf.sum(tf.mul(loss.elementwise(p, gts), wConst)), tf.sum(wConst)))(pred);
  const gThrough = tf.grad((p) => {
    const w = tf.maximum(alignedIoUTensor(p, gts), 1e-12);
    return tf.div(tf.sum(tf.mul(loss.elementwise(p, gts), w)), tf.sum(w));
  })(pred);
  const diff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
  assert.ok(diff(g, gFixed) < 1e-6, `against constant weights: ${diff(g, gFixed)}`);
  assert.ok(diff(g, gThrough) > 1e-3, `differentiating through the weights would change it: ${diff(g, gThrough)}`);
  tf.dispose([pred, gts, g, wConst, gFixed, gThrough]);
});

test("PAAStyleHead's loss_bbox is the IoU-weighted form of its positives' decoded boxes by default, the plain mean as an option", () => {
  const head = buildComponent<PaaStyleHead>(PaaStyleHeadComponent, SMALL_PAA);
  const meanHead = buildComponent<PaaStyleHead>(PaaStyleHeadComponent, { ...SMALL_PAA, box_loss_weighting: 'mean' });
  meanHead.loadStateDict(new Map(head.namedParameters()));
  const gt = PAA_GT;
  const feats = paaFeatures();
  const outs = head.forward(feats);
  const { boxes, gts } = decodedPositives(head, outs, gt);
  assert.ok(boxes.length >= 2, `${boxes.length} positives`);
  const terms = head.loss(outs, gt);
  const want = expectedIouWeighted(boxes, gts, 1.3);
  assert.ok(Math.abs(terms.loss_bbox.dataSync()[0] - want) < 1e-5 * Math.max(1, want), `${terms.loss_bbox.dataSync()[0]} vs ${want}`);
  const meanTerms = meanHead.loss(meanHead.forward(feats), gt);
  const plain = (1.3 * boxes.reduce((s, b, i) => s + iouGiou(b, gts[i]).giouLoss, 0)) / boxes.length;
  assert.ok(Math.abs(meanTerms.loss_bbox.dataSync()[0] - plain) < 1e-5 * Math.max(1, plain), `'mean': ${meanTerms.loss_bbox.dataSync()[0]} vs ${plain}`);
  assert.ok(Math.abs(meanTerms.loss_iou.dataSync()[0] - terms.loss_iou.dataSync()[0]) < 1e-6, 'the IoU-branch loss does not depend on the weighting');
  tf.dispose(feats);
});
