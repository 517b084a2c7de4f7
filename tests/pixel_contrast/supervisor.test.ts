import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf, type Scalar, type Tensor4D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import type { Batch } from '../../src/data/types.js';
import type { SingleStageDetector } from '../../src/detection/single_stage_detector.js';
import { countFlops } from '../../src/nn/flops.js';
import { seedInitialisers } from '../../src/nn/init.js';
import type { SupervisedDetector } from '../../src/supervision/supervised_detector.js';
import type { SupervisedDETR } from '../../src/supervision/supervised_detr.js';
import { supervisionGradients } from '../../src/supervision/gradient_diagnostics.js';
import { resnet } from '../../registry/backbones/resnet.js';
import { DETR } from '../../registry/detectors/detr.js';
import { RetinaNet } from '../../registry/detectors/single_stage.js';
import { DETRHead } from '../../registry/heads/detr_head.js';
import { RetinaHeadComponent } from '../../registry/heads/retina_head.js';
import { fpn } from '../../registry/necks/fpn.js';
import { TransformerEncoder } from '../../registry/necks/transformer_encoder.js';
import { PixelContrast } from '../../registry/supervisors/pixel_contrast.js';
import { buildComponent } from '../detection/build_helpers.js';
import { drawBatch, SIZE } from '../tscode/train_helpers.js';

before(async () => {
  await initEngine({ backend: 'wasm', log: false });
});

const COMPONENTS = [resnet, TransformerEncoder, RetinaHeadComponent, PixelContrast, DETRHead];

/** ResNet-18 (stages 1–2 frozen, or `frozenStages`) → 1-layer encoder (32 wide) + one extra level → RetinaHead on strides 32, 64. */
function build(supervisors: Record<string, unknown>[], frozenStages = 2): SingleStageDetector {
  return buildComponent<SingleStageDetector>(RetinaNet, {
    backbone: { type: 'ResNet', depth: 18, out_indices: [3], frozen_stages: frozenStages, norm: { type: 'BN' }, norm_eval: true },
    neck: { type: 'TransformerEncoder', in_channels: [512], embed_dims: 32, num_heads: 4, ffn_dims: 64, num_layers: 1, num_extra_levels: 1 },
    head: { type: 'RetinaHead', in_channels: 32, feat_channels: 32, stacked_convs: 1, anchor_generator: { strides: [32, 64] } },
    supervisors,
  }, { numClasses: 2 }, COMPONENTS);
}

/** The drawn batch with a second view: each image flipped horizontally, recorded in its op log. */
function twoViewBatch(): Batch {
  const batch = drawBatch();
  const flipped = tf.reverse(batch.images, 2) as Tensor4D;
  const metas = batch.metas.map((m) => ({ ...m, flip: true, ops: [{ op: 'flip' as const, width: SIZE }] }));
  const boxes = batch.boxes.map((b) => {
    const out = Float32Array.from(b);
    for (let k = 0; k < b.length; k += 4) [out[k], out[k + 2]] = [SIZE - b[k + 2], SIZE - b[k]];
    return out;
  });
  return { ...batch, secondView: { images: flipped, boxes, labels: batch.labels, ignoreBoxes: batch.ignoreBoxes, metas } };
}

/** Adam steps at iterations `from`, …, `from + iters − 1`. */
function train(model: SingleStageDetector, batch: Batch, iters: number, from = 0): Array<Record<string, number>> {
  const vars = model.trainableParameters().map(([, v]) => v);
  const opt = tf.train.adam(1e-3);
  const log: Array<Record<string, number>> = [];
  for (let iter = from; iter < from + iters; iter++) {
    let terms: Record<string, number> = {};
    tf.tidy(() => {
      opt.minimize(() => {
        const t = model.forwardTrain(batch, { iter, maxIters: from + iters });
        terms = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.dataSync()[0]]));
        return tf.addN(Object.values(t)) as Scalar;
      }, false, vars);
    });
    log.push(terms);
  }
  return log;
}

for (const [alpha, beta] of [[1, 1], [1, 0], [0.2, 1], [0, 1]]) {
  test(`30 iterations with α = ${alpha}, β = ${beta}: finite losses, the weighted terms present`, () => {
    // The whole backbone frozen keeps the 4 × 30 iterations short; the EMA test below trains it.
    const model = build([{ type: 'PixelContrast', alpha, beta }], 4);
    const batch = twoViewBatch();
    const log = train(model, batch, 30);
    const want = ['loss_bbox', 'loss_cls', ...(alpha > 0 ? ['loss_pixel_nce'] : []), ...(beta > 0 ? ['loss_pixel_cos'] : [])].sort();
    assert.deepEqual(Object.keys(log[0]).sort(), want);
    for (const [i, terms] of log.entries()) for (const [k, v] of Object.entries(terms)) assert.ok(Number.isFinite(v), `iteration ${i}: ${k} = ${v}`);
    // A cosine similarity lies in [−1, 1], so β·L_Cos does too.
    if (beta > 0) assert.ok(log.every((t) => Math.abs(t.loss_pixel_cos) <= beta + 1e-6));
    tf.dispose([batch.images, batch.secondView!.images]);
    model.dispose();
  });
}

test('the momentum branch gets no gradient and follows the online weights by EMA β = 0.99 each iteration', () => {
  const model = build([{ type: 'PixelContrast', alpha: 1, beta: 1 }]) as SupervisedDetector;
  const batch = twoViewBatch();
  const params = new Map(model.namedParameters());
  const momentum = [...params].filter(([n]) => n.startsWith('supervisors.0.momentum.'));
  assert.ok(momentum.length > 0);
  assert.ok(momentum.every(([, v]) => !v.trainable), 'momentum parameters are frozen');
  assert.ok(model.trainableParameters().every(([n]) => !n.startsWith('supervisors.')), 'the supervisor trains no parameter of its own');
  // The projection head is the neck's input projection; its momentum twin gets no gradient.
  const online = params.get('neck.input_proj.conv.weight')!;
  const mom = params.get('supervisors.0.momentum.projections.0.conv.weight')!;
  assert.deepEqual(Array.from(mom.dataSync()), Array.from(online.dataSync()), 'the twin starts as a copy');
  const { value, grads } = tf.variableGrads(() => tf.addN(Object.values(model.forwardTrain(batch, { iter: 0, maxIters: 2 }))) as Scalar, [online, mom]);
  assert.ok(Number.isFinite(value.dataSync()[0]));
  assert.ok(tf.sum(tf.abs(grads[online.name])).dataSync()[0] > 0, 'the online projection gets a gradient');
  assert.ok(grads[mom.name] == null || tf.sum(tf.abs(grads[mom.name])).dataSync()[0] === 0, 'the momentum projection gets none');
  // Iteration 1 applies one EMA step from the weights after iteration 0's update.
  train(model, batch, 1);
  const m0 = Float32Array.from(mom.dataSync());
  const o0 = Float32Array.from(online.dataSync());
  const momBackbone = params.get('supervisors.0.momentum.backbone.layer4.1.conv2.weight')!;
  const bm0 = Float32Array.from(momBackbone.dataSync());
  const bo0 = Float32Array.from(params.get('backbone.layer4.1.conv2.weight')!.dataSync());
  tf.tidy(() => model.forwardTrain(batch, { iter: 1, maxIters: 2 }));
  mom.dataSync().forEach((x, k) => assert.ok(Math.abs(x - (0.99 * m0[k] + 0.01 * o0[k])) < 1e-6, `projection[${k}]`));
  momBackbone.dataSync().forEach((x, k) => assert.ok(Math.abs(x - (0.99 * bm0[k] + 0.01 * bo0[k])) < 1e-6, `backbone[${k}]`));
  tf.dispose([batch.images, batch.secondView!.images]);
});

test('α = 0, β = 1: two steps move every trainable parameter, the projection head included, and the EMA moves its twin', () => {
  const model = build([{ type: 'PixelContrast', alpha: 0, beta: 1 }]) as SupervisedDetector;
  const batch = twoViewBatch();
  const snapshot = (): Map<string, Float32Array> => new Map(model.namedParameters().map(([n, v]) => [n, Float32Array.from(v.dataSync())]));
  const start = snapshot();
  const trainable = model.trainableParameters().map(([n]) => n);
  assert.ok(trainable.includes('neck.input_proj.conv.weight') && trainable.includes('neck.input_proj.conv.bias'));
  assert.ok(trainable.every((n) => !n.startsWith('supervisors.')), 'no dead head of the supervisor in the optimizer state');
  const log = train(model, batch, 1);
  const afterStep0 = snapshot();
  log.push(...train(model, batch, 1, 1));
  assert.deepEqual(log.map((t) => Object.keys(t).sort()), [0, 1].map(() => ['loss_bbox', 'loss_cls', 'loss_pixel_cos']));
  const end = snapshot();
  const maxChange = (n: string): number => end.get(n)!.reduce((m, x, k) => Math.max(m, Math.abs(x - start.get(n)![k])), 0);
  const unchanged = trainable.filter((n) => maxChange(n) === 0);
  assert.deepEqual(unchanged, [], 'trainable parameters that did not move');
  assert.ok(maxChange('neck.input_proj.conv.weight') > 1e-4, `the projection head moved by ${maxChange('neck.input_proj.conv.weight')}`);
  // Iteration 1 began with one EMA step: twin = 0.99·(its start, the projection's copy) + 0.01·(the projection after step 0).
  const name = 'supervisors.0.momentum.projections.0.conv.weight';
  assert.ok(maxChange(name) > 0, 'the momentum projection moved');
  const [m0, o1] = [start.get(name)!, afterStep0.get('neck.input_proj.conv.weight')!];
  end.get(name)!.forEach((x, k) => assert.ok(Math.abs(x - (0.99 * m0[k] + 0.01 * o1[k])) < 1e-6, `twin[${k}]`));
  const frozen = model.namedParameters().filter(([n, v]) => !v.trainable && !n.startsWith('supervisors.')).map(([n]) => n);
  assert.ok(frozen.length > 0 && frozen.every((n) => maxChange(n) === 0), 'the frozen backbone stages stay put');
  tf.dispose([batch.images, batch.secondView!.images]);
});

test('loss_weight w multiplies both terms: w·α·L_NCE and w·β·L_Cos, the rest of the loss unchanged', () => {
  const batch = twoViewBatch();
  const terms = (lossWeight: number): Record<string, number> => {
    seedInitialisers(11);
    const model = build([{ type: 'PixelContrast', alpha: 0.2, beta: 1, loss_weight: lossWeight }], 4);
    const t = tf.tidy(() => Object.fromEntries(Object.entries(model.forwardTrain(batch, { iter: 0, maxIters: 1 })).map(([k, v]) => [k, v.dataSync()[0]])));
    model.dispose();
    return t;
  };
  const [one, quarter] = [terms(1), terms(0.25)];
  assert.ok(one.loss_pixel_nce > 0.01 && Math.abs(one.loss_pixel_cos) > 0.01, 'both terms present');
  assert.ok(Math.abs(quarter.loss_pixel_nce - one.loss_pixel_nce / 4) < 1e-6, `NCE: ${quarter.loss_pixel_nce} vs ${one.loss_pixel_nce} / 4`);
  assert.ok(Math.abs(quarter.loss_pixel_cos - one.loss_pixel_cos / 4) < 1e-6, `Cos: ${quarter.loss_pixel_cos} vs ${one.loss_pixel_cos} / 4`);
  assert.equal(quarter.loss_cls, one.loss_cls);
  tf.dispose([batch.images, batch.secondView!.images]);
});

test('the deployed model equals the baseline in parameters and FLOPs', () => {
  const base = build([]).inferenceModel().eval();
  const supervised = build([{ type: 'PixelContrast', alpha: 1, beta: 1 }]);
  assert.ok(supervised.numParameters() > base.numParameters());
  const deployed = supervised.inferenceModel().eval();
  assert.equal(deployed.numParameters(), base.numParameters());
  assert.deepEqual(deployed.namedParameters().map(([n]) => n), base.namedParameters().map(([n]) => n));
  const flops = (net: typeof base): number => countFlops(net, () => {
    net.forward(tf.zeros([1, SIZE, SIZE, 3]) as Tensor4D);
  }).totalFlops;
  assert.equal(flops(deployed), flops(base));
});

test('without a second view the error names the supervisor and the fix', () => {
  const model = build([{ type: 'PixelContrast' }]);
  const batch = drawBatch();
  assert.throws(() => tf.tidy(() => model.forwardTrain(batch, { iter: 0, maxIters: 1 })), /model\.supervisors\[0\]: PixelContrast needs a second view.*TwoViews/);
  tf.dispose(batch.images);
});

test('on DETR: PixelContrast trains with the set loss (finite terms) and the deployed DETR equals the baseline', () => {
  const detr = (supervisors: Record<string, unknown>[]): SingleStageDetector => buildComponent<SingleStageDetector>(DETR, {
    backbone: { type: 'ResNet', depth: 18, out_indices: [3], frozen_stages: 4, norm: { type: 'BN' }, norm_eval: true },
    neck: { type: 'TransformerEncoder', in_channels: [512], embed_dims: 32, num_heads: 4, ffn_dims: 64, num_layers: 1 },
    head: { type: 'DETRHead', embed_dims: 32, num_heads: 4, ffn_dims: 64, num_layers: 2, num_queries: 6 },
    supervisors,
  }, { numClasses: 2 }, COMPONENTS);
  const model = detr([{ type: 'PixelContrast', alpha: 1, beta: 1, threshold: { type: 'fixed', value: 0.7 } }]);
  const batch = twoViewBatch();
  const log = train(model, batch, 5);
  assert.deepEqual(Object.keys(log[0]).sort(), ['d0.loss_bbox', 'd0.loss_cls', 'd0.loss_iou', 'loss_bbox', 'loss_cls', 'loss_iou', 'loss_pixel_cos', 'loss_pixel_nce']);
  for (const [i, terms] of log.entries()) for (const [k, v] of Object.entries(terms)) assert.ok(Number.isFinite(v), `iteration ${i}: ${k} = ${v}`);
  const base = detr([]);
  assert.equal(model.inferenceModel().numParameters(), base.inferenceModel().numParameters());
  assert.ok(model.numParameters() > base.numParameters());
  tf.dispose([batch.images, batch.secondView!.images]);
});

test('on DETR: the gradient diagnostics measure the set loss and the contrast at the encoder; loss_weight 2 doubles the ratio exactly', () => {
  const ratios = [1, 2].map((lossWeight) => {
    seedInitialisers(3);
    const model = buildComponent<SupervisedDETR>(DETR, {
      backbone: { type: 'ResNet', depth: 18, out_indices: [3], frozen_stages: 4, norm: { type: 'BN' }, norm_eval: true },
      neck: { type: 'TransformerEncoder', in_channels: [512], embed_dims: 32, num_heads: 4, ffn_dims: 64, num_layers: 1 },
      head: { type: 'DETRHead', embed_dims: 32, num_heads: 4, ffn_dims: 64, num_layers: 2, num_queries: 6 },
      supervisors: [{ type: 'PixelContrast', alpha: 0, beta: 1, loss_weight: lossWeight, threshold: { type: 'fixed', value: 0.7 } }],
    }, { numClasses: 2 }, COMPONENTS);
    const batch = twoViewBatch();
    const m = supervisionGradients(model, batch, { iter: 0, maxIters: 1 }, () => 1, 'neck');
    // The detection gradient is the set loss's (all decoder layers) on the encoder output, computed here directly.
    const direct = tf.tidy(() => {
      const encoded = model.extractFeatures(batch.images).neck[0];
      const g = tf.grad((x) => tf.addN(Object.values(model.detectionLossFrom({ backbone: [], neck: [x as Tensor4D] }, batch))) as Scalar)(encoded);
      return Math.sqrt(tf.sum(tf.square(g)).dataSync()[0]);
    });
    assert.ok(Math.abs(m['diag/detection/grad_norm'] - direct) <= 1e-4 * direct, `${m['diag/detection/grad_norm']} vs ${direct}`);
    assert.ok(m['diag/pixel_contrast/grad_norm'] > 0);
    tf.dispose([batch.images, batch.secondView!.images]);
    model.dispose();
    return m['diag/pixel_contrast/grad_ratio'];
  });
  assert.ok(Math.abs(ratios[1] - 2 * ratios[0]) <= 1e-4 * ratios[1], `${ratios}`);
});

test('on DETR: a supervisor that needs a dense head is refused with the config place', () => {
  const needsHead = { kind: 'supervisor', name: 'DenseOnly', schema: { type: 'object', properties: {} }, build: () => ({ attach: () => { throw new Error('unreachable'); } }) };
  assert.throws(() => buildComponent(DETR, {
    backbone: { type: 'ResNet', depth: 18, out_indices: [3], frozen_stages: 4, norm: { type: 'BN' }, norm_eval: true },
    neck: { type: 'TransformerEncoder', in_channels: [512], embed_dims: 32, num_heads: 4, ffn_dims: 64, num_layers: 1 },
    head: { type: 'DETRHead', embed_dims: 32, num_heads: 4, ffn_dims: 64, num_layers: 1, num_queries: 4 },
    supervisors: [{ type: 'DenseOnly' }],
  }, { numClasses: 2 }, [...COMPONENTS, needsHead as never]), /model\.supervisors\.0: DenseOnly needs a dense head/);
});

test("two-level variant on an FPN: Γ and Ψ from each level's lateral conv, each level with its own threshold; an extra level is an error", () => {
  const fpnModel = (levels: Record<string, unknown>[]): SingleStageDetector => buildComponent<SingleStageDetector>(RetinaNet, {
    backbone: { type: 'ResNet', depth: 18, out_indices: [1, 2, 3], frozen_stages: 4, norm: { type: 'BN' }, norm_eval: true },
    neck: { type: 'FPN', in_channels: [128, 256, 512], out_channels: 32, start_level: 0, add_extra_convs: 'on_output', num_outs: 5, relu_before_extra_convs: true },
    head: { type: 'RetinaHead', in_channels: 32, feat_channels: 32, stacked_convs: 1 },
    supervisors: [{ type: 'PixelContrast', alpha: 1, beta: 1, levels }],
  }, { numClasses: 2 }, [...COMPONENTS, fpn]);
  // P4 ↔ lateral 1 of C4, P5 ↔ lateral 2 of C5 (the two lowest resolutions of the backbone).
  const model = fpnModel([{ neck: 1, threshold: { type: 'fixed', value: 0.7 } }, { neck: 2 }]);
  const params = new Map(model.namedParameters());
  assert.deepEqual(params.get('supervisors.0.momentum.projections.1.conv.weight')!.shape, params.get('neck.lateral_convs.2.conv.weight')!.shape);
  assert.deepEqual(Array.from(params.get('supervisors.0.momentum.projections.0.conv.weight')!.dataSync()), Array.from(params.get('neck.lateral_convs.1.conv.weight')!.dataSync()));
  const batch = twoViewBatch();
  const log = train(model, batch, 2);
  assert.ok(log.every((t) => Number.isFinite(t.loss_pixel_cos) && Number.isFinite(t.loss_pixel_nce)));
  assert.throws(() => fpnModel([{ neck: 3 }]), /levels\[0\]\.neck: neck output 3 has no input projection/);
  tf.dispose([batch.images, batch.secondView!.images]);
});
