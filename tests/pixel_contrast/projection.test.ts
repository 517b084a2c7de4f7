/**
 * PixelContrast's f_e head (the TransformerEncoder's `projection: mlp`): its
 * shapes, its value and gradients against the head written out with plain
 * ops (BatchNorm on batch statistics), and, under the supervisor, the
 * gradient L_Cos sends it and the momentum twin that follows it by EMA.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf, type Scalar, type Tensor, type Tensor4D, type Variable } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { createInputProjection, MlpProjection } from '../../src/detection/detr/input_projection.js';
import type { SingleStageDetector } from '../../src/detection/single_stage_detector.js';
import type { SupervisedDetector } from '../../src/supervision/supervised_detector.js';
import { resnet } from '../../registry/backbones/resnet.js';
import { RetinaNet } from '../../registry/detectors/single_stage.js';
import { RetinaHeadComponent } from '../../registry/heads/retina_head.js';
import { TransformerEncoder } from '../../registry/necks/transformer_encoder.js';
import { PixelContrast } from '../../registry/supervisors/pixel_contrast.js';
import { buildComponent } from '../detection/build_helpers.js';
import { drawBatch, SIZE } from '../tscode/train_helpers.js';

before(async () => {
  await initEngine({ backend: 'wasm', log: false });
});

function maxAbsDiff(a: Tensor, b: Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

test("the mlp head: 1×1 conv (no bias) → BN on the batch's statistics → ReLU → 1×1 conv, its value and every parameter's gradient", () => {
  const head = createInputProjection('mlp', 6, 10, 4) as MlpProjection;
  assert.ok(head instanceof MlpProjection);
  const shapes = Object.fromEntries(head.namedParameters().map(([n, v]) => [n, v.shape]));
  assert.deepEqual(shapes, { 'hidden.conv.weight': [1, 1, 6, 10], 'hidden.bn.weight': [10], 'hidden.bn.bias': [10], 'out.conv.weight': [1, 1, 10, 4], 'out.conv.bias': [4] });
  assert.deepEqual(head.namedBuffers().map(([n]) => n), ['hidden.bn.running_mean', 'hidden.bn.running_var']);
  const params = new Map(head.namedParameters());
  // non-trivial affine and bias so that each enters the value
  params.get('hidden.bn.weight')!.assign(tf.linspace(0.5, 1.5, 10));
  params.get('hidden.bn.bias')!.assign(tf.linspace(-0.3, 0.3, 10));
  params.get('out.conv.bias')!.assign(tf.tensor1d([0.1, -0.2, 0.3, -0.4]));
  const x = tf.randomNormal([2, 3, 5, 6], 0, 1, 'float32', 1) as Tensor4D;
  const r = tf.randomNormal([2, 3, 5, 4], 0, 1, 'float32', 2);

  const byHand = (): Tensor => {
    const flat = tf.reshape(x, [-1, 6]);
    const h = tf.matMul(flat, tf.reshape(params.get('hidden.conv.weight')!, [6, 10]));
    const { mean, variance } = tf.moments(h, 0);
    const bn = tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), params.get('hidden.bn.weight')!), params.get('hidden.bn.bias')!);
    const y = tf.add(tf.matMul(tf.relu(bn), tf.reshape(params.get('out.conv.weight')!, [10, 4])), params.get('out.conv.bias')!);
    return tf.reshape(y, [2, 3, 5, 4]);
  };
  const out = head.forward(x);
  assert.deepEqual(out.shape, [2, 3, 5, 4]);
  assert.ok(maxAbsDiff(out, byHand()) < 1e-5, `value: ${maxAbsDiff(out, byHand())}`);

  const vars = head.namedParameters().map(([, v]) => v);
  const got = tf.variableGrads(() => tf.sum(tf.mul(head.forward(x), r)) as Scalar, vars).grads;
  const want = tf.variableGrads(() => tf.sum(tf.mul(byHand(), r)) as Scalar, vars).grads;
  for (const [name, v] of head.namedParameters()) {
    const g = got[v.name];
    assert.ok(tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]) > 1e-3, `${name}: a gradient`);
    assert.ok(maxAbsDiff(g, want[v.name]) < 1e-4, `${name}: gradient off by ${maxAbsDiff(g, want[v.name])}`);
  }
});

/** ResNet-18 (stages 1–2 frozen) → 1-layer encoder, 32 wide, with the mlp head (hidden 64) → RetinaHead; PixelContrast α = 0, β = 1. */
function build(): SingleStageDetector {
  return buildComponent<SingleStageDetector>(RetinaNet, {
    backbone: { type: 'ResNet', depth: 18, out_indices: [3], frozen_stages: 2, norm: { type: 'BN' }, norm_eval: true },
    neck: { type: 'TransformerEncoder', in_channels: [512], embed_dims: 32, num_heads: 4, ffn_dims: 64, num_layers: 1, num_extra_levels: 1, projection: 'mlp', projection_channels: 64 },
    head: { type: 'RetinaHead', in_channels: 32, feat_channels: 32, stacked_convs: 1, anchor_generator: { strides: [32, 64] } },
    supervisors: [{ type: 'PixelContrast', alpha: 0, beta: 1 }],
  }, { numClasses: 2 }, [resnet, TransformerEncoder, RetinaHeadComponent, PixelContrast]);
}

test('under PixelContrast the mlp head trains from L_Cos, and its momentum twin starts as a copy and follows it by EMA 0.99', () => {
  const model = build() as SupervisedDetector;
  const batch = drawBatch();
  const flipped = tf.reverse(batch.images, 2) as Tensor4D;
  const metas = batch.metas.map((m) => ({ ...m, flip: true, ops: [{ op: 'flip' as const, width: SIZE }] }));
  const twoViews = { ...batch, secondView: { images: flipped, boxes: batch.boxes, labels: batch.labels, ignoreBoxes: batch.ignoreBoxes, metas } };
  const params = new Map(model.namedParameters());
  const headNames = ['hidden.conv.weight', 'hidden.bn.weight', 'hidden.bn.bias', 'out.conv.weight', 'out.conv.bias'];
  const online = headNames.map((n) => params.get(`neck.input_proj.${n}`)!);
  const twin = headNames.map((n) => params.get(`supervisors.0.momentum.projections.0.${n}`)!);
  assert.ok(online.every((v) => v !== undefined && v.trainable), 'the online head trains');
  assert.ok(twin.every((v) => v !== undefined && !v.trainable), 'the twin is frozen');
  const buffers = new Map(model.namedBuffers());
  const twinMean = buffers.get('supervisors.0.momentum.projections.0.hidden.bn.running_mean')!;
  const copy = (v: Variable): Float32Array => Float32Array.from(v.dataSync());
  twin.forEach((v, k) => assert.deepEqual(copy(v), copy(online[k]), `${headNames[k]}: the twin starts as a copy`));
  assert.deepEqual(copy(twinMean), copy(buffers.get('neck.input_proj.hidden.bn.running_mean')!), 'BN statistics copied too');

  // L_Cos alone reaches every parameter of the online head (α = 0: no L_NCE), none of the twin
  const { grads } = tf.variableGrads(() => model.forwardTrain(twoViews, { iter: 0, maxIters: 2 }).loss_pixel_cos, [...online]);
  online.forEach((v, k) => assert.ok(tf.tidy(() => tf.max(tf.abs(grads[v.name])).dataSync()[0]) > 0, `${headNames[k]}: a gradient from L_Cos`));
  assert.ok(twin.every((v) => !v.trainable), 'no gradient is asked of the twin');

  const vars = model.trainableParameters().map(([, v]) => v);
  const opt = tf.train.adam(1e-3);
  const twinStart = twin.map(copy);
  const meanStart = copy(twinMean);
  opt.minimize(() => tf.addN(Object.values(model.forwardTrain(twoViews, { iter: 0, maxIters: 2 }))) as Scalar, false, vars);
  const onlineAfter = online.map(copy);
  tf.tidy(() => model.forwardTrain(twoViews, { iter: 1, maxIters: 2 }));
  twin.forEach((v, k) => v.dataSync().forEach((x, i) => assert.ok(Math.abs(x - (0.99 * twinStart[k][i] + 0.01 * onlineAfter[k][i])) < 1e-6, `${headNames[k]}[${i}]`)));
  assert.ok(copy(twinMean).some((x, i) => x !== meanStart[i]), "the twin's BN statistics follow its own forward passes on the second view");
  opt.dispose();
  tf.dispose([batch.images, flipped]);
});
