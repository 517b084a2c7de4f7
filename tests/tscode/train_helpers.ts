/**
 * A drawn two-image batch of solid shapes (64×64, 2 classes) and a short Adam
 * loop, shared by the TSCODE and COP switch tests: each variant must build
 * into a ResNet-18-FPN detector and train with finite losses.
 */
import assert from 'node:assert/strict';
import { tf, type Scalar } from '../../src/engine/tf.js';
import type { Batch } from '../../src/data/types.js';
import type { SingleStageDetector } from '../../src/detection/single_stage_detector.js';
import type { Component } from '../../src/registry/component.js';
import { resnet } from '../../registry/backbones/resnet.js';
import { fpn } from '../../registry/necks/fpn.js';
import { buildComponent } from '../detection/build_helpers.js';

export { drawBatch, SIZE } from '../helpers/drawn_batch.js';

/** FPN with 32 channels on P3–P7 of ResNet-18's C2–C5. */
export const NECK = { type: 'FPN', in_channels: [64, 128, 256, 512], out_channels: 32, start_level: 1, add_extra_convs: 'on_output', num_outs: 5, relu_before_extra_convs: true };

/** ResNet-18 (frozen: only neck and head train, to keep the tests short), `neck` (default NECK), then `head`. */
export function buildDetector(detector: Component<unknown, unknown>, head: Record<string, unknown>, components: Component<unknown, unknown>[], neck: Record<string, unknown> = NECK): SingleStageDetector {
  return buildComponent<SingleStageDetector>(detector, {
    backbone: { type: 'ResNet', depth: 18, frozen_stages: 4, norm: { type: 'BN' }, norm_eval: true },
    neck,
    head,
  }, { numClasses: 2 }, [resnet, fpn, ...components]);
}

/** Trains `iters` Adam steps on the batch; returns the summed loss per step after asserting every term is finite. */
export function trainSteps(model: SingleStageDetector, batch: Batch, iters: number): number[] {
  const vars = model.trainableParameters().map(([, v]) => v);
  const opt = tf.train.adam(1e-3);
  const totals: number[] = [];
  for (let iter = 0; iter < iters; iter++) {
    let terms: Record<string, number> = {};
    const value = opt.minimize(() => {
      const t = model.forwardTrain(batch, { iter, maxIters: iters });
      terms = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.dataSync()[0]]));
      return tf.addN(Object.values(t)) as Scalar;
    }, true, vars);
    if (value === null) throw new Error('optimizer returned no loss');
    for (const [k, v] of Object.entries(terms)) assert.ok(Number.isFinite(v), `iteration ${iter}: ${k} = ${v}`);
    totals.push(value.dataSync()[0]);
    value.dispose();
  }
  opt.dispose();
  return totals;
}
