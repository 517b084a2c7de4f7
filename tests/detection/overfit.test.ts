/**
 * Each one-stage detector (ResNet-18 + FPN, 64 channels, 2 tower convs)
 * drives its loss down on one fixed batch of two drawn images, on the wasm
 * engine; the trained RetinaNet and FCOS then find every object of the batch.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Scalar } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { seedInitialisers } from '../../src/nn/init.js';
import type { Batch } from '../../src/data/types.js';
import { pairIoU } from '../../src/detection/boxes.js';
import type { SingleStageDetector } from '../../src/detection/single_stage_detector.js';
import type { Component } from '../../src/registry/component.js';
import { resnet } from '../../registry/backbones/resnet.js';
import { fpn } from '../../registry/necks/fpn.js';
import { ATSS, FCOS, PAA, RetinaNet } from '../../registry/detectors/single_stage.js';
import { AtssHeadComponent } from '../../registry/heads/atss_head.js';
import { FcosHeadComponent } from '../../registry/heads/fcos_head.js';
import { PaaStyleHeadComponent } from '../../registry/heads/paa_style_head.js';
import { RetinaHeadComponent } from '../../registry/heads/retina_head.js';
import { buildComponent } from './build_helpers.js';
import { drawBatch } from '../helpers/drawn_batch.js';

const COMPONENTS = [resnet, fpn, RetinaHeadComponent, FcosHeadComponent, AtssHeadComponent, PaaStyleHeadComponent] as Component<unknown, unknown>[];

function buildDetector(detector: Component<unknown, unknown>, extra: 'on_input' | 'on_output', head: Record<string, unknown>): SingleStageDetector {
  return buildComponent<SingleStageDetector>(detector, {
    backbone: { type: 'ResNet', depth: 18, frozen_stages: -1, norm: { type: 'GN', num_groups: 32 }, norm_eval: false },
    neck: { type: 'FPN', in_channels: [64, 128, 256, 512], out_channels: 64, start_level: 1, add_extra_convs: extra, num_outs: 5, relu_before_extra_convs: extra === 'on_output' },
    head: { in_channels: 64, feat_channels: 64, stacked_convs: 2, ...head },
  }, { numClasses: 2 }, COMPONENTS);
}

interface Curve {
  first: Record<string, number>;
  /** Mean over the last 10 iterations. */
  last: Record<string, number>;
}

/** Trains on the fixed batch with Adam; records every loss term (and their sum as `total`). */
function overfit(model: SingleStageDetector, batch: Batch, iters: number): Curve {
  const vars = model.trainableParameters().map(([, v]) => v);
  const opt = tf.train.adam(1e-3);
  const history: Record<string, number>[] = [];
  for (let iter = 0; iter < iters; iter++) {
    let kept: Record<string, Scalar> = {};
    const value = opt.minimize(() => {
      const terms = model.forwardTrain(batch, { iter, maxIters: iters });
      kept = Object.fromEntries(Object.entries(terms).map(([k, t]) => [k, tf.keep(tf.clone(t))]));
      return tf.addN(Object.values(terms)) as Scalar;
    }, true, vars);
    if (value === null) throw new Error('optimizer returned no loss');
    history.push({ total: value.dataSync()[0], ...Object.fromEntries(Object.entries(kept).map(([k, t]) => [k, t.dataSync()[0]])) });
    tf.dispose([value, ...Object.values(kept)]);
  }
  opt.dispose();
  assert.ok(history.every((h) => Object.values(h).every(Number.isFinite)), 'every loss is finite');
  const tail = history.slice(-10);
  const last = Object.fromEntries(Object.keys(history[0]).map((k) => [k, tail.reduce((a, h) => a + h[k], 0) / tail.length]));
  return { first: history[0], last };
}

function report(name: string, c: Curve): void {
  console.log(`${name}: ${Object.keys(c.first).map((k) => `${k} ${c.first[k].toFixed(4)} → ${c.last[k].toFixed(4)}`).join(', ')}`);
}

/**
 * Classification and box terms must fall to `ratio` of their start; the
 * centerness / IoU-branch BCE has a floor (the entropy of its soft targets,
 * 0.63 for FCOS here), so it only has to decrease.
 */
function assertFalls(c: Curve, ratio: number): void {
  for (const k of ['loss_cls', 'loss_bbox']) assert.ok(c.last[k] < ratio * c.first[k], `${k} ${c.first[k]} → ${c.last[k]}`);
  for (const k of ['loss_centerness', 'loss_iou']) if (k in c.first) assert.ok(c.last[k] < c.first[k], `${k} ${c.first[k]} → ${c.last[k]}`);
}

/** Every gt has a detection of its class with IoU ≥ 0.5 among the image's top detections of that class. */
function assertFindsObjects(model: SingleStageDetector, batch: Batch): void {
  model.eval();
  const results = model.predict(batch.images, batch.metas);
  model.train();
  results.forEach((r, b) => {
    const gts = batch.boxes[b];
    for (let g = 0; g < gts.length / 4; g++) {
      const label = batch.labels[b][g];
      let best = -1;
      for (let d = 0; d < r.scores.length; d++) if (r.labels[d] === label && (best < 0 || r.scores[d] > r.scores[best])) best = d;
      assert.ok(best >= 0, `image ${b}: no detection of class ${label}`);
      const iou = pairIoU(r.boxes, best, gts, g);
      assert.ok(iou >= 0.5, `image ${b}, gt ${g}: best class-${label} detection has IoU ${iou.toFixed(3)} (score ${r.scores[best].toFixed(3)})`);
    }
  });
}

describe('one-stage detectors overfit a fixed batch (wasm engine)', () => {
  let batch: Batch;
  before(async () => {
    await initEngine({ backend: 'wasm', log: false });
    // Fixed initial weights (seeds 0-2 all pass with wide margins); unseeded, one CI run's FCOS box loss
    // stopped at 0.55 of its start.
    seedInitialisers(0);
    batch = drawBatch();
  });

  it('RetinaNet: loss falls and the objects are found', () => {
    const model = buildDetector(RetinaNet, 'on_input', { type: 'RetinaHead' });
    const curve = overfit(model, batch, 100);
    report('RetinaNet', curve);
    assertFalls(curve, 0.3);
    assertFindsObjects(model, batch);
  });

  it('FCOS: loss falls and the objects are found', () => {
    const model = buildDetector(FCOS, 'on_output', {
      type: 'FCOSHead', center_sampling: true, norm_on_bbox: true, centerness_on_reg: true, loss_bbox: { type: 'GIoULoss', loss_weight: 1.0 },
    });
    const curve = overfit(model, batch, 100);
    report('FCOS', curve);
    assertFalls(curve, 0.5);
    assertFindsObjects(model, batch);
  });

  it('ATSS: loss falls', () => {
    const curve = overfit(buildDetector(ATSS, 'on_output', { type: 'ATSSHead' }), batch, 60);
    report('ATSS', curve);
    assertFalls(curve, 0.5);
  });

  it('PAA (GMM reassignment): loss falls', () => {
    const curve = overfit(buildDetector(PAA, 'on_output', { type: 'PAAStyleHead' }), batch, 60);
    report('PAA', curve);
    assertFalls(curve, 0.5);
  });
});
