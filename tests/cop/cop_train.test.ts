/**
 * Every Table-1 variant of PAACOPHead trains 30 iterations on drawn shapes
 * with finite losses (IoU branch terms only where it is trained), and the
 * inference score is √(p·σ(iou)) with the IoU branch scoring, p otherwise.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor4D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import type { Batch, ImageMeta } from '../../src/data/types.js';
import type { DenseHead } from '../../src/detection/heads/dense_head.js';
import type { Component } from '../../src/registry/component.js';
import { PAA } from '../../registry/detectors/single_stage.js';
import { PaaCopHeadComponent } from '../../registry/heads/paa_cop_head.js';
import { ProbFocalLoss } from '../../registry/losses/prob_focal_loss.js';
import { buildComponent } from '../detection/build_helpers.js';
import { buildDetector, drawBatch, trainSteps } from '../tscode/train_helpers.js';

const COMPONENTS = [PaaCopHeadComponent, ProbFocalLoss] as Component<unknown, unknown>[];
const HEAD = { type: 'PAACOPHead', in_channels: 32, feat_channels: 32, stacked_convs: 2, norm: { type: 'GN', num_groups: 8 } };

const VARIANTS: [string, Record<string, unknown>][] = [
  ['IoU + COP', { objectness: 'cop', iou_branch: 'score' }],
  ['IoU* + COP', { objectness: 'cop', iou_branch: 'train_only' }],
  ['COP only', { objectness: 'cop', iou_branch: 'none' }],
  ['IoU + IOP', { objectness: 'iop', iou_branch: 'score' }],
  ['IoU* + IOP', { objectness: 'iop', iou_branch: 'train_only' }],
  ['IOP only', { objectness: 'iop', iou_branch: 'none' }],
  ['IoU + COP, zero border, ATSS assignment', { objectness: 'cop', border: 'zero', paa_reassign: false }],
];

describe('PAACOPHead variants (wasm engine)', () => {
  let batch: Batch;
  before(async () => {
    await initEngine({ backend: 'wasm', log: false });
    batch = drawBatch();
  });

  for (const [name, options] of VARIANTS) {
    it(`${name}: 30 iterations with finite losses`, () => {
      const model = buildDetector(PAA, { ...HEAD, ...options }, COMPONENTS);
      const terms = tf.tidy(() => Object.keys(model.forwardTrain(batch, { iter: 0, maxIters: 1 })));
      assert.deepEqual(terms.sort(), options.iou_branch === 'none' ? ['loss_bbox', 'loss_cls'] : ['loss_bbox', 'loss_cls', 'loss_iou'], name);
      assert.equal(trainSteps(model, batch, 30).length, 30);
      const names = [...model.inferenceModel().stateDict().keys()];
      const cop = options.objectness === 'cop';
      assert.equal(names.some((n) => n.startsWith('head.coeff_conv.')), cop, `${name}: coeff_conv`);
      assert.equal(names.some((n) => n.startsWith('head.obj_conv.')), !cop, `${name}: obj_conv`);
      assert.equal(names.some((n) => n.startsWith('head.atss_centerness.')), options.iou_branch !== 'none', `${name}: IoU conv only with an IoU branch`);
      model.eval();
      const outs = model.inferenceModel().forward(batch.images);
      assert.equal(outs.quality !== undefined, (options.iou_branch ?? 'score') === 'score', `${name}: IoU branch run at inference only when it scores`);
      model.train();
    });
  }

  it('inference score: √(p·σ(iou)) with the IoU branch scoring, p for IoU* and without it; classes are probabilities', () => {
    const meta: ImageMeta = { imageId: 0, fileName: 'x.png', originalShape: [16, 16], imgShape: [16, 16], padShape: [16, 16], scaleFactor: [1, 1], flip: false };
    const head = (iou: string): DenseHead => buildComponent<DenseHead>(PaaCopHeadComponent, {
      ...HEAD, num_classes: 1, iou_branch: iou,
      anchor_generator: { octave_base_scale: 4, scales_per_octave: 1, ratios: [1], strides: [8], center_offset: 0 },
      test_cfg: { nms_pre: 10, score_thr: 0.01, iou_threshold: 0.6, max_per_img: 10, min_bbox_size: 0, score_voting: false },
    }, {}, COMPONENTS);
    // a 2×2 map, one class: probabilities 0.6 (kept) and 0.001 elsewhere (below the threshold); IoU logit 1
    const cls = tf.tensor4d([0.6, 0.001, 0.001, 0.001], [1, 2, 2, 1]) as Tensor4D;
    const reg = tf.zeros([1, 2, 2, 4]) as Tensor4D;
    const quality = tf.fill([1, 2, 2, 1], 1) as Tensor4D;
    const score = (iou: string): number => head(iou).predict({ cls: [cls], reg: [reg], quality: iou === 'none' ? undefined : [quality] }, [meta])[0].scores[0];
    assert.ok(Math.abs(score('score') - Math.sqrt(0.6 * sig(1))) < 1e-6, `√(p·σ(iou)): ${score('score')}`);
    assert.ok(Math.abs(score('train_only') - 0.6) < 1e-6, `IoU*: p, ${score('train_only')}`);
    assert.ok(Math.abs(score('none') - 0.6) < 1e-6, `no IoU branch: p, ${score('none')}`);
  });

  it('rejects a logit focal loss on the probabilities', () => {
    assert.throws(() => buildDetector(PAA, { ...HEAD, loss_cls: { type: 'FocalLoss' } }, COMPONENTS), /use ProbFocalLoss/);
  });
});

function sig(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
