import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor4D } from '../../src/engine/tf.js';
import { assignMaxIoU, RETINANET_ASSIGNER } from '../../src/detection/assigners/max_iou_assigner.js';
import type { DenseHead, GroundTruth } from '../../src/detection/heads/dense_head.js';
import { multiLevelAnchors } from '../../src/detection/heads/anchor_targets.js';
import type { RetinaHead } from '../../src/detection/heads/retina_head.js';
import { fill } from '../../src/nn/init.js';
import { AtssHeadComponent } from '../../registry/heads/atss_head.js';
import { FcosHeadComponent } from '../../registry/heads/fcos_head.js';
import { PaaStyleHeadComponent } from '../../registry/heads/paa_style_head.js';
import { RetinaHeadComponent } from '../../registry/heads/retina_head.js';
import { buildComponent } from './build_helpers.js';

const small = { in_channels: 8, feat_channels: 8, stacked_convs: 1, num_classes: 3 };
const twoLevels = { strides: [8, 16], octave_base_scale: 4, scales_per_octave: 1, ratios: [1], center_offset: 0 };

function heads(): Record<string, DenseHead> {
  const gn = { norm: { type: 'GN', num_groups: 4 } };
  return {
    RetinaHead: buildComponent(RetinaHeadComponent, { ...small, anchor_generator: { ...twoLevels, scales_per_octave: 3, ratios: [0.5, 1, 2] } }),
    FCOSHead: buildComponent(FcosHeadComponent, { ...small, ...gn, strides: [8, 16], regress_ranges: [[-1, 32], [32, 1e8]], center_sampling: true, norm_on_bbox: true, centerness_on_reg: true, loss_bbox: { type: 'GIoULoss' } }),
    ATSSHead: buildComponent(AtssHeadComponent, { ...small, ...gn, anchor_generator: twoLevels }),
    PAAStyleHead: buildComponent(PaaStyleHeadComponent, { ...small, ...gn, anchor_generator: twoLevels }),
  };
}

function feats(seed: number): Tensor4D[] {
  return [tf.randomNormal([2, 8, 8, 8], 0, 1, 'float32', seed), tf.randomNormal([2, 4, 4, 8], 0, 1, 'float32', seed + 1)] as Tensor4D[];
}

const gt: GroundTruth = {
  boxes: [Float32Array.of(4, 4, 36, 30, 30, 20, 62, 60), Float32Array.of(10, 12, 50, 44, 0, 0, 64, 64)],
  labels: [Int32Array.of(0, 2), Int32Array.of(1, 0)],
  ignoreBoxes: [new Float32Array(0), new Float32Array(0)],
};

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

test('head outputs: per-level NHWC shapes with A·C, A·4 and A quality channels', () => {
  const hs = heads();
  const f = feats(1);
  const expect: Record<string, [number, boolean]> = { RetinaHead: [9, false], FCOSHead: [1, true], ATSSHead: [1, true], PAAStyleHead: [1, true] };
  for (const [name, head] of Object.entries(hs)) {
    const [a, quality] = expect[name];
    const o = head.forward(f);
    assert.deepEqual(o.cls.map((t) => t.shape), [[2, 8, 8, a * 3], [2, 4, 4, a * 3]], name);
    assert.deepEqual(o.reg.map((t) => t.shape), [[2, 8, 8, a * 4], [2, 4, 4, a * 4]], name);
    assert.equal(o.quality !== undefined, quality, name);
    if (o.quality !== undefined) assert.deepEqual(o.quality.map((t) => t.shape), [[2, 8, 8, a], [2, 4, 4, a]], name);
  }
  assert.throws(() => hs.FCOSHead.forward([f[0]]), /expected 2 feature levels/);
});

test('second features through the same weights, separate branch inputs, and an unshared twin', () => {
  for (const [name, head] of Object.entries(heads())) {
    const f = feats(3);
    const g = feats(7);
    const mixed = head.forwardBranches(f, g);
    assert.equal(maxAbsDiff(mixed.cls[0], head.forward(f).cls[0]), 0, `${name}: cls follows the classification input`);
    assert.equal(maxAbsDiff(mixed.reg[1], head.forward(g).reg[1]), 0, `${name}: reg follows the regression input`);
    const twin = head.cloneUnshared();
    assert.equal(maxAbsDiff(twin.forward(f).reg[0], head.forward(f).reg[0]), 0, `${name}: twin starts equal`);
    const own = new Set(head.namedParameters().map(([, v]) => v));
    assert.ok(twin.namedParameters().every(([, v]) => !own.has(v)), `${name}: no shared variable`);
    assert.deepEqual(twin.namedParameters().map(([k]) => k), head.namedParameters().map(([k]) => k));
    for (const [, v] of twin.namedParameters()) v.assign(tf.zerosLike(v));
    assert.ok(tf.tidy(() => tf.abs(head.forward(f).cls[0]).max().dataSync()[0]) > 0, `${name}: original untouched by the twin`);
  }
});

test('every head parameter receives a gradient from the loss, and loss terms are named as mmdet', () => {
  const names: Record<string, string[]> = {
    RetinaHead: ['loss_cls', 'loss_bbox'],
    FCOSHead: ['loss_cls', 'loss_bbox', 'loss_centerness'],
    ATSSHead: ['loss_cls', 'loss_bbox', 'loss_centerness'],
    PAAStyleHead: ['loss_cls', 'loss_bbox', 'loss_iou'],
  };
  for (const [name, head] of Object.entries(heads())) {
    const f = feats(11);
    const vars = head.trainableParameters();
    const { value, grads } = tf.variableGrads(() => {
      const terms = head.loss(head.forward(f), gt);
      assert.deepEqual(Object.keys(terms).sort(), [...names[name]].sort(), name);
      for (const [k, t] of Object.entries(terms)) assert.ok(Number.isFinite(t.dataSync()[0]), `${name}.${k} finite`);
      return tf.addN(Object.values(terms)) as tf.Scalar;
    }, vars.map(([, v]) => v));
    assert.ok(Number.isFinite(value.dataSync()[0]));
    for (const [k, v] of vars) {
      const g = grads[v.name];
      assert.ok(g !== undefined, `${name}.${k} has a gradient`);
      assert.ok(tf.tidy(() => tf.abs(g).max().dataSync()[0]) > 0, `${name}.${k} gradient is non-zero`);
    }
  }
});

test('RetinaNet classification loss: focal over valid anchors, normalised by Σ max(num_pos, 1)', () => {
  const head = heads().RetinaHead as RetinaHead;
  // With a zero classifier every logit is the prior bias b = −log(99), so the loss is a count times two terms.
  for (const [k, v] of head.namedParameters()) if (k === 'retina_cls.weight') fill(v, tf.zerosLike(v));
  const f = feats(5);
  const outs = head.forward(f);
  const terms = head.loss(outs, gt);
  const { anchors } = multiLevelAnchors(head.anchors, [[8, 8], [4, 4]]);
  const p = 0.01;
  const negTerm = 0.75 * p * p * -Math.log(1 - p);
  const posTerm = 0.25 * (1 - p) ** 2 * -Math.log(p);
  let sum = 0;
  let avg = 0;
  for (let b = 0; b < 2; b++) {
    const r = assignMaxIoU(anchors, gt.boxes[b], RETINANET_ASSIGNER);
    const pos = r.gtInds.filter((g) => g > 0).length;
    const neg = r.gtInds.filter((g) => g === 0).length;
    assert.ok(pos > 0 && r.gtInds.some((g) => g === -1), 'the case has positives and ignored anchors');
    sum += neg * 3 * negTerm + pos * (2 * negTerm + posTerm);
    avg += Math.max(pos, 1);
  }
  assert.ok(Math.abs(terms.loss_cls.dataSync()[0] - sum / avg) < 1e-4 * (sum / avg), `${terms.loss_cls.dataSync()[0]} vs ${sum / avg}`);
});

test('no ground truth: zero box losses that keep the graph, finite classification loss', () => {
  for (const [name, head] of Object.entries(heads())) {
    const empty: GroundTruth = { boxes: [new Float32Array(0), new Float32Array(0)], labels: [new Int32Array(0), new Int32Array(0)] };
    const terms = head.loss(head.forward(feats(2)), empty);
    assert.ok(terms.loss_bbox.dataSync()[0] === 0, name);
    assert.ok(terms.loss_cls.dataSync()[0] > 0, name);
  }
});

test('RetinaHead norm: GN after each tower conv (mmdet names, no conv bias), none by default', () => {
  const anchor_generator = { ...twoLevels, scales_per_octave: 3, ratios: [0.5, 1, 2] };
  const names = (h: RetinaHead): string[] => h.namedParameters().map(([n]) => n).filter((n) => n.startsWith('cls_convs.0.'));
  const plain = buildComponent<RetinaHead>(RetinaHeadComponent, { ...small, anchor_generator });
  assert.deepEqual(names(plain), ['cls_convs.0.conv.weight', 'cls_convs.0.conv.bias']);
  const gn = buildComponent<RetinaHead>(RetinaHeadComponent, { ...small, anchor_generator, norm: { type: 'GN', num_groups: 4 } });
  assert.deepEqual(names(gn), ['cls_convs.0.conv.weight', 'cls_convs.0.gn.weight', 'cls_convs.0.gn.bias']);
  // A GN tower normalises its input's scale away: features ×100 give the same class logits.
  const f = feats(5);
  const big = f.map((t) => tf.mul(t, 100)) as Tensor4D[];
  assert.ok(maxAbsDiff(gn.forward(f).cls[0], gn.forward(big).cls[0]) < 1e-3);
  assert.ok(maxAbsDiff(plain.forward(f).cls[0], plain.forward(big).cls[0]) > 1e-2);
});
