/**
 * Tiny detectors with supervisors for the supervision tests: ResNet-18 (GN),
 * a 32-channel FPN and a one-conv head on 2×64×64 images with drawn
 * rectangles, and a loop of real training steps through the runner's own
 * builders (optimizers and phases collected from the model) and `trainStep`.
 */
import { tf, type Tensor4D } from '../../src/engine/tf.js';
import type { Batch, ImageMeta } from '../../src/data/types.js';
import type { SingleStageDetector } from '../../src/detection/single_stage_detector.js';
import type { Component, ComponentConfig } from '../../src/registry/component.js';
import { buildOptimizers, buildPhasePlan } from '../../src/train/build.js';
import { trainStep, type StepResult } from '../../src/train/train_step.js';
import { constantSchedule } from '../../src/train/lr_schedules.js';
import type { Rng } from '../../src/train/rng.js';
import { resnet } from '../../registry/backbones/resnet.js';
import { fpn } from '../../registry/necks/fpn.js';
import { FCOS, RetinaNet } from '../../registry/detectors/single_stage.js';
import { FcosHeadComponent } from '../../registry/heads/fcos_head.js';
import { RetinaHeadComponent } from '../../registry/heads/retina_head.js';
import { ConstantLR } from '../../registry/lr_schedules/constant_lr.js';
import { MultiStepLR } from '../../registry/lr_schedules/multistep_lr.js';
import { SGD } from '../../registry/optimizers/sgd.js';
import { LabelEnc } from '../../registry/supervisors/labelenc.js';
import { LGD } from '../../registry/supervisors/lgd.js';
import { buildComponent } from '../detection/build_helpers.js';

export const SIZE = 64;
export const CHANNELS = 32;
/** h of width 16: C2–C5 of 64–512 channels like ResNet-18's, so its FPN can initialise the detector's. */
export const LABELENC_SMALL = { width: 16, neck: { type: 'FPN', in_channels: [64, 128, 256, 512], out_channels: CHANNELS, start_level: 1, add_extra_convs: 'on_input', num_outs: 5 } };
const PARTS = [resnet, fpn, RetinaHeadComponent, FcosHeadComponent, SGD, MultiStepLR, ConstantLR, LGD, LabelEnc] as Component<unknown, unknown>[];

export function tinyDetector(kind: 'retinanet' | 'fcos', supervisors: ComponentConfig[] = [], extraParts: Component<unknown, unknown>[] = [], rng?: Rng): SingleStageDetector {
  const fcos = kind === 'fcos';
  return buildComponent<SingleStageDetector>(fcos ? FCOS : RetinaNet, {
    backbone: { type: 'ResNet', depth: 18, frozen_stages: -1, norm: { type: 'GN', num_groups: 32 }, norm_eval: false },
    neck: { type: 'FPN', in_channels: [64, 128, 256, 512], out_channels: CHANNELS, start_level: 1, add_extra_convs: fcos ? 'on_output' : 'on_input', num_outs: 5, relu_before_extra_convs: fcos },
    head: { type: fcos ? 'FCOSHead' : 'RetinaHead', in_channels: CHANNELS, feat_channels: CHANNELS, stacked_convs: 1, ...(fcos ? { norm: { type: 'GN', num_groups: 8 } } : {}) },
    supervisors,
  }, { numClasses: 3, ...(rng === undefined ? {} : { rng }) }, [...PARTS, ...extraParts]);
}

/** Two images with solid rectangles (three classes). */
export function drawnBatch(): Batch {
  const boxes = [Float32Array.of(6, 8, 38, 36, 36, 30, 60, 60), Float32Array.of(18, 10, 54, 48)];
  const labels = [Int32Array.of(0, 1), Int32Array.of(2)];
  const colors = [[1.5, -1, -1], [-1, 1.5, -1], [-1, -1, 1.5]];
  const pixels = new Float32Array(2 * SIZE * SIZE * 3).fill(-0.5);
  boxes.forEach((bs, b) => {
    for (let k = 0; k < bs.length / 4; k++) {
      const [x1, y1, x2, y2] = bs.subarray(4 * k, 4 * k + 4);
      for (let y = y1; y < y2; y++) for (let x = x1; x < x2; x++) pixels.set(colors[labels[b][k]], ((b * SIZE + y) * SIZE + x) * 3);
    }
  });
  const metas: ImageMeta[] = [0, 1].map((i) => ({ imageId: i, fileName: `drawn_${i}.png`, originalShape: [SIZE, SIZE], imgShape: [SIZE, SIZE], padShape: [SIZE, SIZE], scaleFactor: [1, 1], flip: false }));
  return { images: tf.tensor4d(pixels, [2, SIZE, SIZE, 3]) as Tensor4D, boxes, labels, ignoreBoxes: [new Float32Array(0), new Float32Array(0)], metas };
}

/** `iters` real training steps of `model` on `batch` with SGD, the model's phases and its supervisors' optimizers. */
export function train(model: SingleStageDetector, batch: Batch, iters: number, onStep?: (iter: number, r: StepResult) => void): StepResult[] {
  const sgd = buildComponent<ReturnType<typeof SGD.build>>(SGD, { lr: 0.005, grad_clip: { type: 'norm', value: 1, max_norm: 10, norm_type: 2 } });
  const optimizers = buildOptimizers(model, { optimizer: sgd, schedule: constantSchedule({ type: 'none', iters: 0, ratio: 1 }) }, [], iters);
  const phases = buildPhasePlan(model, [], iters);
  const trainable = optimizers.flatMap((e) => e.optimizer.groups.flatMap((g) => g.params));
  model.train();
  const out: StepResult[] = [];
  for (let iter = 0; iter < iters; iter++) {
    const r = trainStep(model, batch, { iter, maxIters: iters }, trainable, optimizers, phases);
    onStep?.(iter, r);
    out.push(r);
  }
  return out;
}
