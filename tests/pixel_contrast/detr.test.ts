import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf, type Scalar } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import type { DETR as DetrModel } from '../../src/detection/detr/detr_detector.js';
import { sinePositionalEncoding } from '../../src/detection/detr/positional_encoding.js';
import { matchingCost, setLoss } from '../../src/detection/detr/set_criterion.js';
import type { SingleStageDetector } from '../../src/detection/single_stage_detector.js';
import { resnet } from '../../registry/backbones/resnet.js';
import { DETR } from '../../registry/detectors/detr.js';
import { RetinaNet } from '../../registry/detectors/single_stage.js';
import { DETRHead } from '../../registry/heads/detr_head.js';
import { RetinaHeadComponent } from '../../registry/heads/retina_head.js';
import { TransformerEncoder } from '../../registry/necks/transformer_encoder.js';
import { buildComponent } from '../detection/build_helpers.js';
import { drawBatch } from '../tscode/train_helpers.js';

before(async () => {
  await initEngine({ backend: 'wasm', log: false });
});

const BACKBONE = { type: 'ResNet', depth: 18, out_indices: [3], frozen_stages: 4, norm: { type: 'BN' }, norm_eval: true };
const NECK = { type: 'TransformerEncoder', in_channels: [512], embed_dims: 32, num_heads: 4, ffn_dims: 64, num_layers: 2 };

function buildDetr(): DetrModel {
  return buildComponent<DetrModel>(DETR, {
    backbone: BACKBONE,
    neck: NECK,
    head: { type: 'DETRHead', embed_dims: 32, num_heads: 4, ffn_dims: 64, num_layers: 2, num_queries: 8 },
  }, { numClasses: 2 }, [resnet, TransformerEncoder, DETRHead]);
}

function train(model: { forwardTrain: DetrModel['forwardTrain']; trainableParameters: DetrModel['trainableParameters'] }, iters: number): Array<Record<string, number>> {
  const batch = drawBatch();
  const vars = model.trainableParameters().map(([, v]) => v);
  const opt = tf.train.adam(1e-3);
  const log: Array<Record<string, number>> = [];
  for (let iter = 0; iter < iters; iter++) {
    let terms: Record<string, number> = {};
    opt.minimize(() => {
      const t = model.forwardTrain(batch, { iter, maxIters: iters });
      terms = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.dataSync()[0]]));
      return tf.addN(Object.values(t)) as Scalar;
    }, false, vars);
    log.push(terms);
  }
  tf.dispose(batch.images);
  return log;
}

test('sine positional encoding: y then x channels, sin/cos interleaved, positions normalised to 2π', () => {
  const pe = sinePositionalEncoding(2, 3, 4).arraySync()[0];
  const s = 2 * Math.PI;
  // Cell (y = 1, x = 2): y position 2/2·2π, x position 3/3·2π (up to the 1e-6 guard).
  const py = (2 / (2 + 1e-6)) * s;
  const px = (3 / (3 + 1e-6)) * s;
  const t = 10000 ** (2 / 4);
  const want = [Math.sin(py), Math.cos(py), Math.sin(py / t), Math.cos(py / t), Math.sin(px), Math.cos(px), Math.sin(px / t), Math.cos(px / t)];
  pe[1][2].forEach((v, k) => assert.ok(Math.abs(v - want[k]) < 1e-5, `channel ${k}: ${v} vs ${want[k]}`));
});

test('matching cost and set loss: the Hungarian match picks the right queries and the losses equal their formulas', () => {
  const o = { numClasses: 2, costClass: 1, costBbox: 5, costGiou: 2, lossClass: 1, lossBbox: 5, lossGiou: 2, eosCoef: 0.1 };
  // Query 1 predicts the object exactly; query 0 is far away.
  const boxes = Float32Array.of(0.2, 0.2, 0.1, 0.1, 0.6, 0.5, 0.4, 0.2);
  const logits = Float32Array.of(0, 0, 2, 0, 3, 0);
  const target = { boxes: Float32Array.of(0.6, 0.5, 0.4, 0.2), labels: Int32Array.of(1) };
  const probs = tf.softmax(tf.tensor2d(logits, [2, 3])).dataSync() as Float32Array;
  const cost = matchingCost(probs, boxes, target, o);
  // Exact box: L1 0, GIoU 1, so the cost is −p(1) − 2.
  assert.ok(Math.abs(cost[1] - (-probs[4] - 2)) < 1e-6);
  const l = setLoss(tf.tensor3d(logits, [1, 2, 3]), tf.tensor3d(boxes, [1, 2, 4]), [target], o);
  const lse = (a: number[]): number => Math.log(a.reduce((s, x) => s + Math.exp(x), 0));
  // Query 0 → no-object (class 2, weight 0.1), query 1 → class 1 (weight 1).
  const ce0 = lse([0, 0, 2]) - 2;
  const ce1 = lse([0, 3, 0]) - 3;
  assert.ok(Math.abs(l.cls.dataSync()[0] - (0.1 * ce0 + ce1) / 1.1) < 1e-5);
  assert.ok(Math.abs(l.bbox.dataSync()[0]) < 1e-6);
  assert.ok(Math.abs(l.giou.dataSync()[0]) < 1e-5);
});

test('DETR (ResNet-18, 2-layer encoder and decoder, 8 queries) trains with finite losses and auxiliary decoder terms', () => {
  const model = buildDetr();
  const log = train(model, 4);
  assert.deepEqual(Object.keys(log[0]).sort(), ['d0.loss_bbox', 'd0.loss_cls', 'd0.loss_iou', 'loss_bbox', 'loss_cls', 'loss_iou']);
  for (const [i, terms] of log.entries()) for (const [k, v] of Object.entries(terms)) assert.ok(Number.isFinite(v), `iteration ${i}: ${k} = ${v}`);
  const batch = drawBatch();
  const dets = model.predict(batch.images, batch.metas);
  assert.equal(dets.length, 2);
  assert.equal(dets[0].scores.length, 8);
  assert.ok(dets[0].labels.every((c) => c === 0 || c === 1));
  tf.dispose(batch.images);
  assert.deepEqual(model.inferenceModel().numParameters(), model.numParameters());
});

test('the encoder neck under a one-stage head: RetinaNet on the encoded C5 plus one extra level trains with finite losses', () => {
  const model = buildComponent<SingleStageDetector>(RetinaNet, {
    backbone: BACKBONE,
    neck: { ...NECK, num_extra_levels: 1 },
    head: { type: 'RetinaHead', in_channels: 32, feat_channels: 32, stacked_convs: 1, anchor_generator: { strides: [32, 64] } },
  }, { numClasses: 2 }, [resnet, TransformerEncoder, RetinaHeadComponent]);
  const log = train(model, 3);
  for (const [i, terms] of log.entries()) for (const [k, v] of Object.entries(terms)) assert.ok(Number.isFinite(v), `iteration ${i}: ${k} = ${v}`);
});
