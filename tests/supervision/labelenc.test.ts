import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf, type Tensor, type Tensor4D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { groupNorm1, normalizedMse } from '../../src/supervision/norm_losses.js';
import { labelMap } from '../../src/supervision/labelenc/label_map.js';
import { LabelEncodingFunction } from '../../src/supervision/labelenc/encoder.js';
import type { SupervisedDetector } from '../../src/supervision/supervised_detector.js';
import { buildPhasePlan } from '../../src/train/build.js';
import { CHECKPOINT_FORMAT, saveCheckpoint } from '../../src/train/checkpoint.js';
import { drawnBatch, LABELENC_SMALL, tinyDetector, train } from './helpers.js';

let dir: string;
before(async () => {
  await initEngine({ backend: 'wasm', log: false });
  dir = mkdtempSync(join(tmpdir(), 'labelenc-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const at = (map: Float32Array, w: number, c: number, x: number, y: number, k: number): number => map[(y * w + x) * c + k];

test('label map: 1 at the centre, 0.5 on the border, 0 outside, max over same-class overlaps, classes apart', () => {
  const gt = { boxes: [Float32Array.of(2, 2, 10, 10, 6, 2, 14, 10, 0, 0, 4, 4)], labels: [Int32Array.of(1, 1, 0)] };
  const map = labelMap(gt, 2, 16, 16);
  assert.equal(at(map, 16, 2, 6, 6, 1), 1, 'centre');
  assert.equal(at(map, 16, 2, 2, 6, 1), 0.5, 'left border of the first box');
  assert.equal(at(map, 16, 2, 6, 10, 1), 0.5, 'bottom border');
  assert.equal(at(map, 16, 2, 15, 6, 1), 0, 'outside');
  // (8, 6): first box 1 − 2/8 = 0.75, second box 1 − 2/8 = 0.75 → 0.75; (9, 6): 0.625 vs 0.875 → 0.875.
  assert.equal(at(map, 16, 2, 9, 6, 1), 0.875);
  assert.equal(at(map, 16, 2, 9, 6, 0), 0, 'class 0 untouched by class-1 boxes');
  assert.equal(at(map, 16, 2, 2, 2, 0), 1);
  const scaled = labelMap(gt, 2, 16, 16, () => 0.25);
  assert.equal(at(scaled, 16, 2, 6, 6, 1), 0.5, 'augmentation scales v by min(2u, 1)');
  assert.deepEqual(labelMap(gt, 2, 16, 16, () => 0.9), map, 'u ≥ 0.5 leaves the box unchanged');
});

test('GN(1) distance loss: invariant to a scalar affine of the target, mean over all levels, no gradient to the target', () => {
  const s = tf.variable(tf.randomNormal([2, 4, 4, 3]));
  const t = tf.variable(tf.randomNormal([2, 4, 4, 3]));
  assert.ok(normalizedMse([s as unknown as Tensor4D], [tf.add(tf.mul(s, 2), 1) as Tensor4D], groupNorm1).dataSync()[0] < 1e-8);
  const { grads } = tf.variableGrads(() => normalizedMse([s as unknown as Tensor4D], [t as unknown as Tensor4D], groupNorm1), [s, t]);
  assert.ok(tf.abs(grads[s.name]).sum().dataSync()[0] > 0);
  assert.ok(grads[t.name] === undefined || tf.abs(grads[t.name]).sum().dataSync()[0] === 0);
  // GN(1) mixes channels (a per-channel offset survives it, unlike IN).
  const x = tf.tensor4d([0, 10, 0, 10, 0, 10, 0, 10], [1, 2, 2, 2]);
  const y = tf.tensor4d([0, 0, 0, 0, 0, 0, 0, 0.5], [1, 2, 2, 2]);
  assert.ok(normalizedMse([x], [y], groupNorm1).dataSync()[0] > 0.5);
});

test('h: strides 4–32, channels 4w–32w, no normalisation layer', () => {
  const h = new LabelEncodingFunction(3, 4);
  const outs = h.forward(tf.zeros([1, 64, 64, 3]) as Tensor4D);
  assert.deepEqual(outs.map((o) => o.shape), [[1, 16, 16, 16], [1, 8, 8, 32], [1, 4, 4, 64], [1, 2, 2, 128]]);
  assert.ok(h.namedModules().every(([, m]) => !/Norm/.test(m.constructor.name)));
  assert.ok(h.namedParameters().every(([n]) => !n.endsWith('shortcut.bias')), 'projection shortcuts have no bias');
});

test('Step 1: phases, 12 iterations with finite losses, then Step 2 loads h (frozen), the head and the FPN from its checkpoint', () => {
  const step1 = tinyDetector('retinanet', [{ type: 'LabelEnc', ...LABELENC_SMALL, distance_warmup: 4 }]) as SupervisedDetector;
  const plan = buildPhasePlan(step1, [], 12);
  assert.deepEqual([3, 4].map((i) => plan.lossWeight('loss_dis', i)), [0, 1]);
  assert.ok(plan.droppedParams(3).has('supervisors.0.adapter.convs.0.weight'));
  assert.equal(plan.droppedParams(4).size, 0);
  const batch = drawnBatch();
  const results = train(step1, batch, 12);
  assert.deepEqual(Object.keys(results[0].terms).sort(), ['ae_loss_bbox', 'ae_loss_cls', 'loss_bbox', 'loss_cls']);
  assert.deepEqual(Object.keys(results[11].terms).sort(), ['ae_loss_bbox', 'ae_loss_cls', 'loss_bbox', 'loss_cls', 'loss_dis']);
  for (const r of results) assert.ok(Object.values(r.terms).every(Number.isFinite));

  const tensors = new Map<string, Tensor>();
  for (const [k, v] of step1.stateDict()) tensors.set(`model/${k}`, v);
  const ckpt = saveCheckpoint(dir, 'step1', tensors, { format: CHECKPOINT_FORMAT, iter: 12, maxIters: 12, rng: [], loader: null, optimizers: {}, schedules: {}, hooks: {}, savedAt: '' });

  const step2 = tinyDetector('retinanet', [{ type: 'LabelEnc', ...LABELENC_SMALL, step: 2, checkpoint: ckpt, auxiliary_stop: 8 }]) as SupervisedDetector;
  const value = (m: SupervisedDetector, name: string): Float32Array => m.stateDict().get(name)!.dataSync() as Float32Array;
  const same = (a: Float32Array, b: Float32Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
  assert.ok(same(value(step2, 'head.retina_cls.weight'), value(step1, 'head.retina_cls.weight')), 'head from Step 1');
  assert.ok(same(value(step2, 'neck.fpn_convs.0.conv.weight'), value(step1, 'supervisors.0.encoder.fpn.fpn_convs.0.conv.weight')), "detector FPN from h's FPN");
  assert.ok(same(value(step2, 'supervisors.0.encoder.body.stem.weight'), value(step1, 'supervisors.0.encoder.body.stem.weight')), 'h from Step 1');
  assert.ok(!same(value(step2, 'supervisors.0.adapter.convs.0.weight'), value(step1, 'supervisors.0.adapter.convs.0.weight')), 'a fresh adapter');
  assert.ok(step2.trainableParameters().every(([n]) => !n.startsWith('supervisors.0.encoder.')), 'h is frozen');

  const stem = value(step2, 'supervisors.0.encoder.body.stem.weight').slice();
  const results2 = train(step2, batch, 12);
  assert.deepEqual(Object.keys(results2[7].terms).sort(), ['loss_bbox', 'loss_cls', 'loss_dis']);
  assert.deepEqual(Object.keys(results2[8].terms).sort(), ['loss_bbox', 'loss_cls'], 'auxiliary loss off for the last part');
  for (const r of results2) assert.ok(Object.values(r.terms).every(Number.isFinite));
  assert.ok(same(value(step2, 'supervisors.0.encoder.body.stem.weight'), stem), 'h did not move in Step 2');
});

test('Step 2 without a Step-1 checkpoint is a clear error naming the option', () => {
  assert.throws(() => tinyDetector('retinanet', [{ type: 'LabelEnc', ...LABELENC_SMALL, step: 2 }]), /model\.supervisors\.0\.checkpoint: Step 2 needs the Step-1 checkpoint/);
});

test('Step 1 reconstruction-only ablation: every detection and distance term weighted 0, the ae_* terms kept', () => {
  const model = tinyDetector('retinanet', [{ type: 'LabelEnc', ...LABELENC_SMALL, reconstruction_only: true }]);
  const plan = buildPhasePlan(model, [], 10);
  assert.deepEqual(['loss_cls', 'loss_bbox', 'loss_dis', 'ae_loss_cls', 'ae_loss_bbox'].map((t) => plan.lossWeight(t, 5)), [0, 0, 0, 1, 1]);
});

test('Step 2 ablations: initialisation off keeps fresh head and FPN; supervision off adds no adapter and no loss', () => {
  const step1 = tinyDetector('retinanet', [{ type: 'LabelEnc', ...LABELENC_SMALL }]);
  const tensors = new Map<string, Tensor>();
  for (const [k, v] of step1.stateDict()) tensors.set(`model/${k}`, v);
  const ckpt = saveCheckpoint(dir, 'step1_ablation', tensors, { format: CHECKPOINT_FORMAT, iter: 0, maxIters: 1, rng: [], loader: null, optimizers: {}, schedules: {}, hooks: {}, savedAt: '' });
  const head = (m: SupervisedDetector): number[] => Array.from(m.stateDict().get('head.retina_cls.weight')!.dataSync());
  const noInit = tinyDetector('retinanet', [{ type: 'LabelEnc', ...LABELENC_SMALL, step: 2, checkpoint: ckpt, initialise: false }]) as SupervisedDetector;
  assert.notDeepEqual(head(noInit), head(step1 as SupervisedDetector));
  const noSup = tinyDetector('retinanet', [{ type: 'LabelEnc', ...LABELENC_SMALL, step: 2, checkpoint: ckpt, supervise: false }]) as SupervisedDetector;
  assert.deepEqual(head(noSup), head(step1 as SupervisedDetector));
  assert.ok(!noSup.namedParameters().some(([n]) => n.startsWith('supervisors.0.adapter')));
  assert.deepEqual(noSup.trainingPhases(), []);
  assert.deepEqual(Object.keys(noSup.forwardTrain(drawnBatch(), { iter: 0, maxIters: 10 })).sort(), ['loss_bbox', 'loss_cls']);
});

test("every shipped LabelEnc Step-1 config moves the LR steps past the distance warm-up, as the official Step 1 (90k and 110k of 120k)", async () => {
  const { loadValidatedConfig } = await import('../../src/registry/load_validated.js');
  const { resolvePoint } = await import('../../src/train/iter_point.js');
  const root = new URL('../../../configs/labelenc/', import.meta.url).pathname;
  const { readdirSync } = await import('node:fs');
  const files = readdirSync(root).filter((f) => f.startsWith('labelenc_step1_'));
  assert.ok(files.length >= 6);
  for (const f of files) {
    const { config } = await loadValidatedConfig(join(root, f));
    const t = (config.train as { max_iters: number }).max_iters;
    const warmup = resolvePoint((config.model as { supervisors: { distance_warmup: string | number }[] }).supervisors[0].distance_warmup, t, f);
    const steps = (config.schedule as { steps: (string | number)[] }).steps.map((s) => resolvePoint(s, t, f));
    // The Step-2 schedule (steps at 2/3 and 8/9 of its length) runs after the warm-up: step = warm-up + s · (T − warm-up).
    const expected = [2 / 3, 8 / 9].map((s) => warmup + s * (t - warmup));
    steps.forEach((s, i) => assert.ok(Math.abs(s - expected[i]) <= 1, `${f}: LR step ${i} at ${s}, expected ${expected[i]} (warm-up ${warmup} of ${t})`));
    assert.ok(Math.abs(warmup / t - 0.25) < 1e-3, `${f}: the warm-up is 30k of 120k`);
  }
});
