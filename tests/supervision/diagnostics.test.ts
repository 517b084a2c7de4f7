/**
 * Supervision diagnostics: the gradient-ratio metric on a hand-computed
 * two-loss case, the hook leaving training bit for bit as it was, and teacher
 * scoring on a hand-built case (a teacher fed the ground truth against an
 * untrained student).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Scalar } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { inScope } from '../../src/engine/step.js';
import { seedInitialisers } from '../../src/nn/init.js';
import type { Batch } from '../../src/data/types.js';
import type { DetectionDataset } from '../../src/data/dataset.js';
import type { DetectionResult, Detector } from '../../src/detection/types.js';
import { supervisionGradients, type DiagnosedModel } from '../../src/supervision/gradient_diagnostics.js';
import type { DetectorFeatures } from '../../src/detection/single_stage_detector.js';
import { uniqueLabels } from '../../src/supervision/supervisor_modules.js';
import { SupervisionDiagnosticsHook } from '../../src/supervision/diagnostics_hook.js';
import type { SupervisedDetector } from '../../src/supervision/supervised_detector.js';
import { buildOptimizers, buildPhasePlan } from '../../src/train/build.js';
import type { RunControl } from '../../src/train/hooks.js';
import type { MetricsRecord } from '../../src/train/metrics_log.js';
import { constantSchedule } from '../../src/train/lr_schedules.js';
import { Rng } from '../../src/train/rng.js';
import { trainStep } from '../../src/train/train_step.js';
import { evaluateDetector } from '../../src/train/evaluate.js';
import { SGD } from '../../registry/optimizers/sgd.js';
import { buildComponent } from '../detection/build_helpers.js';
import { drawnBatch, LABELENC_SMALL, tinyDetector } from './helpers.js';

before(async () => {
  await initEngine({ backend: 'wasm', log: false });
});

/**
 * One level x; detection loss a·Σx² (gradient 2a·x), the supervisor's terms
 * b·Σx (gradient b everywhere) and an unrelated term that the phases weight 0.
 */
function twoLossModel(x: number[], a: number, b: number): DiagnosedModel {
  const level = tf.tensor4d(x, [1, 1, x.length, 1]);
  const sumOf = (f: DetectorFeatures): Scalar => tf.sum(f.neck[0]);
  return {
    neck: undefined,
    supervisors: [{ label: 'toy' }],
    extractFeatures: () => ({ backbone: [level], neck: [level] }),
    detectionLossFrom: (f) => ({ loss_cls: tf.mul(tf.sum(tf.square(f.neck[0])), a) as Scalar }),
    supervisorLossFrom: (_, f) => ({ loss_toy: tf.mul(sumOf(f), b) as Scalar, loss_off: tf.mul(sumOf(f), 1000) as Scalar }),
  };
}

test('grad_norm, grad_ratio and grad_cos equal the hand-computed values, with the phases\' weights applied', () => {
  const x = [1, -2, 3, 0.5];
  const [a, b] = [0.5, 2];
  const batch = drawnBatch();
  const weight = (term: string): number => (term === 'loss_off' ? 0 : term === 'loss_toy' ? 0.5 : 1);
  const m = supervisionGradients(twoLossModel(x, a, b), batch, { iter: 0, maxIters: 1 }, weight, 'neck');
  // detection gradient 2a·x = x; supervisor gradient 0.5·b = 1 everywhere.
  const detNorm = Math.hypot(...x);
  const supNorm = Math.sqrt(x.length);
  const cos = x.reduce((s, v) => s + v, 0) / (detNorm * supNorm);
  assert.ok(Math.abs(m['diag/detection/grad_norm'] - detNorm) < 1e-5, `${m['diag/detection/grad_norm']}`);
  assert.ok(Math.abs(m['diag/toy/grad_norm'] - supNorm) < 1e-5);
  assert.ok(Math.abs(m['diag/toy/grad_ratio'] - supNorm / detNorm) < 1e-5);
  assert.ok(Math.abs(m['diag/toy/grad_cos'] - cos) < 1e-5);
  assert.deepEqual(Object.keys(m).sort(), ['diag/detection/grad_norm', 'diag/toy/grad_cos', 'diag/toy/grad_norm', 'diag/toy/grad_ratio']);
});

test('a supervisor whose terms do not reach the features measures 0, and labels are numbered only when repeated', () => {
  const model = twoLossModel([1, 2], 1, 0);
  const m = supervisionGradients(model, drawnBatch(), { iter: 0, maxIters: 1 }, (t) => (t === 'loss_off' ? 0 : 1), 'neck');
  assert.equal(m['diag/toy/grad_norm'], 0);
  assert.equal(m['diag/toy/grad_ratio'], 0);
  assert.equal('diag/toy/grad_cos' in m, false, 'no direction without a gradient');
  assert.deepEqual(uniqueLabels(['lgd', 'labelenc', 'lgd']), ['lgd', 'labelenc', 'lgd_1']);
});

/** Runs `iters` SGD steps of a LabelEnc Step-1 detector (its box augmentation draws from the run's generator), with the hook before every step when `hooked`. */
function lossesOf(hooked: boolean, iters: number): { losses: number[][]; logged: MetricsRecord[] } {
  tf.engine().startScope();
  try {
    seedInitialisers(7);
    const rng = new Rng(7);
    const model = tinyDetector('retinanet', [{ type: 'LabelEnc', step: 1, distance_warmup: 2, ...LABELENC_SMALL }], [], rng) as SupervisedDetector;
    const sgd = buildComponent<ReturnType<typeof SGD.build>>(SGD, { lr: 0.005 });
    const optimizers = buildOptimizers(model, { optimizer: sgd, schedule: constantSchedule({ type: 'none', iters: 0, ratio: 1 }) }, [], iters);
    const phases = buildPhasePlan(model, [], iters);
    const trainable = optimizers.flatMap((e) => e.optimizer.groups.flatMap((g) => g.params));
    const logged: MetricsRecord[] = [];
    const run = { rng, log: (r: MetricsRecord[]) => logged.push(...r) } as unknown as RunControl;
    const hook = new SupervisionDiagnosticsHook(model, phases, 1, 'neck');
    const batch = drawnBatch();
    model.train();
    const losses: number[][] = [];
    for (let iter = 0; iter < iters; iter++) {
      const info = { iter, maxIters: iters };
      if (hooked) hook.beforeTrainStep(run, info, batch);
      losses.push(Object.values(trainStep(model, batch, info, trainable, optimizers, phases).terms));
    }
    return { losses, logged };
  } finally {
    tf.engine().endScope();
  }
}

test('the diagnostics hook leaves training bit for bit as without it, and logs at the step about to run', () => {
  const plain = lossesOf(false, 3);
  const hooked = lossesOf(true, 3);
  assert.deepEqual(hooked.losses, plain.losses);
  assert.deepEqual(hooked.logged.map((r) => r.step), [1, 2, 3]);
  const warm = hooked.logged[0].metrics;
  assert.equal(warm['diag/labelenc/grad_norm'], 0, 'the distance loss is weighted 0 in its warm-up');
  const on = hooked.logged[2].metrics;
  assert.ok(on['diag/labelenc/grad_norm'] > 0 && on['diag/detection/grad_norm'] > 0);
  assert.ok(Math.abs(on['diag/labelenc/grad_ratio'] - on['diag/labelenc/grad_norm'] / on['diag/detection/grad_norm']) < 1e-9);
});

test('teacher scoring: a teacher fed the ground truth scores AP 1 beside an untrained student, under teacher/<stat>', async () => {
  const batch = drawnBatch();
  const asDetections = (b: Batch): DetectionResult[] => b.boxes.map((boxes, i) => ({ imageId: b.metas[i].imageId, boxes, scores: new Float32Array(b.labels[i].length).fill(1), labels: b.labels[i] }));
  const farOff = (b: Batch): DetectionResult[] => b.metas.map((m) => ({ imageId: m.imageId, boxes: Float32Array.of(0, 0, 4, 4), scores: Float32Array.of(0.9), labels: Int32Array.of(0) }));
  const model = { predict: (_: unknown, metas: unknown[]) => farOff({ ...batch, metas } as Batch), hasTeacher: () => true, predictTeachers: (b: Batch) => ({ teacher: asDetections(b) }), predictWithTeachers: (b: Batch) => ({ student: farOff(b), teachers: { teacher: asDetections(b) } }) } as unknown as Detector;
  const images = batch.metas.map((m) => ({ id: m.imageId, file_name: m.fileName, width: 64, height: 64 }));
  const annotations = batch.boxes.flatMap((bs, i) => Array.from(batch.labels[i]).map((l, k) => {
    const [x1, y1, x2, y2] = bs.subarray(4 * k, 4 * k + 4);
    return { id: 10 * i + k + 1, image_id: i, category_id: l + 1, bbox: [x1, y1, x2 - x1, y2 - y1], area: (x2 - x1) * (y2 - y1), iscrowd: 0 };
  }));
  const dataset = {
    source: 'drawn',
    cocoGt: () => ({ images, annotations, categories: [1, 2, 3].map((id) => ({ id, name: `c${id}` })) }),
    labelToCategoryId: (l: number) => l + 1,
  } as unknown as DetectionDataset;
  const batches = async function* (): AsyncGenerator<Batch> {
    yield drawnBatch();
  };
  const scored = await evaluateDetector(model, batches(), dataset, { teachers: true });
  assert.ok(Math.abs(scored.metrics['teacher/bbox_mAP'] - 1) < 1e-12);
  assert.ok(Math.abs(scored.metrics['teacher/bbox_AR_100'] - 1) < 1e-12);
  assert.equal(scored.metrics.bbox_mAP, 0);
  const plain = await evaluateDetector(model, batches(), dataset, { teachers: false });
  assert.equal(Object.keys(plain.metrics).some((k) => k.startsWith('teacher/')), false);
});

test("LGD's and LabelEnc Step 1's teachers predict on the batch's ground truth", () => {
  const batch = drawnBatch();
  for (const sup of [{ type: 'LGD' }, { type: 'LabelEnc', step: 1, ...LABELENC_SMALL }]) {
    const model = tinyDetector('retinanet', [sup]) as SupervisedDetector;
    model.eval();
    assert.equal(model.hasTeacher(), true);
    const out = inScope(() => model.predictTeachers(batch));
    assert.deepEqual(Object.keys(out), ['teacher']);
    assert.deepEqual(out.teacher.map((r) => r.imageId), [0, 1]);
  }
});
