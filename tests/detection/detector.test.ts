import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor4D } from '../../src/engine/tf.js';
import type { Batch, ImageMeta } from '../../src/data/types.js';
import type { SingleStageDetector } from '../../src/detection/single_stage_detector.js';
import type { Component } from '../../src/registry/component.js';
import { resnet } from '../../registry/backbones/resnet.js';
import { fpn } from '../../registry/necks/fpn.js';
import { FCOS, RetinaNet } from '../../registry/detectors/single_stage.js';
import { FcosHeadComponent } from '../../registry/heads/fcos_head.js';
import { RetinaHeadComponent } from '../../registry/heads/retina_head.js';
import { buildComponent } from './build_helpers.js';

const PARTS = [resnet, fpn, RetinaHeadComponent, FcosHeadComponent] as Component<unknown, unknown>[];
const backbone = { type: 'ResNet', depth: 18, frozen_stages: -1, norm: { type: 'GN', num_groups: 32 }, norm_eval: false };
const neck = { type: 'FPN', in_channels: [64, 128, 256, 512], out_channels: 32, start_level: 1, add_extra_convs: 'on_input', num_outs: 5 };

function build(detector: Component<unknown, unknown>, head: Record<string, unknown>, neckOverrides: Record<string, unknown> = {}): SingleStageDetector {
  return buildComponent<SingleStageDetector>(detector, { backbone, neck: { ...neck, ...neckOverrides }, head: { in_channels: 32, feat_channels: 32, stacked_convs: 1, ...head } }, { numClasses: 3 }, PARTS);
}

const meta = (i: number): ImageMeta => ({ imageId: i, fileName: `${i}.png`, originalShape: [64, 64], imgShape: [64, 64], padShape: [64, 64], scaleFactor: [1, 1], flip: false });

test('the detector exposes backbone C2–C5 and neck P3–P7, and its losses', () => {
  const model = build(RetinaNet, { type: 'RetinaHead' });
  const batch: Batch = {
    images: tf.randomNormal([2, 64, 64, 3]) as Tensor4D,
    boxes: [Float32Array.of(4, 4, 40, 40), Float32Array.of(10, 20, 60, 50)],
    labels: [Int32Array.of(2), Int32Array.of(0)],
    ignoreBoxes: [new Float32Array(0), new Float32Array(0)],
    metas: [meta(0), meta(1)],
  };
  const { losses, features, headOutputs } = model.forwardTrainDetailed(batch);
  assert.deepEqual(features.backbone.map((t) => t.shape), [[2, 16, 16, 64], [2, 8, 8, 128], [2, 4, 4, 256], [2, 2, 2, 512]]);
  assert.deepEqual(features.neck.map((t) => t.shape[1]), [8, 4, 2, 1, 1]);
  assert.equal(headOutputs.cls.length, 5);
  assert.deepEqual(Object.keys(losses).sort(), ['loss_bbox', 'loss_cls']);
  assert.equal(model.head.numClasses, 3, 'the dataset class count from the builder wins');
});

test('the deployed model holds exactly backbone, neck and head', () => {
  const model = build(FCOS, { type: 'FCOSHead', norm: { type: 'GN', num_groups: 8 } }, { add_extra_convs: 'on_output', relu_before_extra_convs: true });
  const deployed = model.inferenceModel();
  assert.equal(deployed.numParameters(), model.numParameters());
  assert.deepEqual([...new Set(deployed.namedParameters().map(([k]) => k.split('.')[0]))], ['backbone', 'neck', 'head']);
  assert.deepEqual(deployed.namedParameters().map(([k]) => k), model.namedParameters().map(([k]) => k));
  assert.ok(model.namedParameters().some(([k]) => k === 'head.scales.4.scale'));
});

test('predict returns one result per image in original pixels, within the image', () => {
  const model = build(RetinaNet, { type: 'RetinaHead', test_cfg: { score_thr: 0, max_per_img: 7 } });
  model.eval();
  const half: ImageMeta = { ...meta(5), originalShape: [128, 128], scaleFactor: [0.5, 0.5] };
  const results = model.predict(tf.randomNormal([2, 64, 64, 3]) as Tensor4D, [meta(4), half]);
  assert.deepEqual(results.map((r) => r.imageId), [4, 5]);
  for (const [i, r] of results.entries()) {
    assert.equal(r.scores.length, 7);
    assert.equal(r.boxes.length, 28);
    const limit = i === 0 ? 64 : 128;
    assert.ok(r.boxes.every((v) => v >= 0 && v <= limit));
    assert.ok(r.labels.every((l) => l >= 0 && l < 3));
    assert.ok(r.scores.every((s, k) => k === 0 || s <= r.scores[k - 1]), 'sorted by score');
  }
});

test('mismatched neck and head channels are a clear error naming the place', () => {
  assert.throws(() => buildComponent(RetinaNet, { backbone, neck, head: { type: 'RetinaHead', in_channels: 64 } }, {}, PARTS), /model.head.in_channels: the neck outputs channels \[32, 32, 32, 32, 32\] but in_channels is 64/);
  assert.throws(() => buildComponent(RetinaNet, { backbone, neck: { ...neck, num_outs: 4 }, head: { type: 'RetinaHead', in_channels: 32 } }, {}, PARTS), /outputs 4 levels but the head has 5/);
});
