import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Scalar, type Tensor2D, type Tensor4D } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import { instanceNorm, normalizedMse } from '../../src/supervision/norm_losses.js';
import { DynamicTeacher, crossImageMask, maskMeanPool } from '../../src/supervision/lgd/teacher.js';
import { insideMasks, teacherObjects } from '../../src/supervision/lgd/objects.js';
import type { SupervisedDetector } from '../../src/supervision/supervised_detector.js';
import { buildOptimizers, buildPhasePlan } from '../../src/train/build.js';
import type { ScheduleFactory } from '../../src/train/lr_schedules.js';
import type { OptimizerFactory } from '../../src/train/optimizers/options.js';
import { defaultNumHeads } from '../../registry/supervisors/lgd.js';
import { MultiStepLR } from '../../registry/lr_schedules/multistep_lr.js';
import { SGD } from '../../registry/optimizers/sgd.js';
import { buildComponent } from '../detection/build_helpers.js';
import { drawnBatch, tinyDetector, train } from './helpers.js';

before(async () => {
  await initEngine({ backend: 'wasm', log: false });
});

test('mask pooling is the mean over the inside pixels (empty masks give zeros)', () => {
  const feat = tf.tensor2d([1, 10, 2, 20, 3, 30, 4, 40], [4, 2]);
  const masks = tf.tensor2d([1, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0], [3, 4]);
  assert.deepEqual(Array.from(maskMeanPool(masks, feat as Tensor2D).dataSync()), [1.5, 15, 3, 30, 0, 0]);
});

test('the attention mask blocks every pair of objects from different images', () => {
  const m = tf.cast(crossImageMask([2, 1]), 'int32').arraySync();
  assert.deepEqual(m, [[0, 0, 1], [0, 0, 1], [1, 1, 0]]);
});

test('descriptors: clamped boxes over the padded size, one-hot, in [-1, 1], the context object last with an all-zero class', () => {
  const gt = { boxes: [Float32Array.of(-4, 8, 40, 70)], labels: [Int32Array.of(1)] };
  const o = teacherObjects(gt, 3, 64, 32, true);
  assert.deepEqual(o.counts, [2]);
  const d = Array.from(o.descriptors);
  // x1 clamped to 0, x2 to W−1 = 31, y2 to H−1 = 63; W = 32, H = 64.
  const expectFirst = [0, 8 / 64, 31 / 32, 63 / 64, 0, 1, 0].map((v) => 2 * v - 1);
  expectFirst.forEach((v, i) => assert.ok(Math.abs(d[i] - v) < 1e-6, `descriptor[${i}] ${d[i]} vs ${v}`));
  const ctx = d.slice(7);
  [0, 0, 31 / 32, 63 / 64].forEach((v, i) => assert.ok(Math.abs(ctx[i] - (2 * v - 1)) < 1e-6));
  assert.deepEqual(ctx.slice(4), [-1, -1, -1]);
  assert.deepEqual(Array.from(o.boxes.subarray(4)), [0, 0, 32, 64], 'the context box covers the padded image');
  assert.deepEqual(teacherObjects(gt, 3, 64, 32, false).counts, [1]);
});

test('inside masks: the box scaled to the level, integer grid, centre ± half size inclusive', () => {
  // Box (0, 0, 8, 8) on a 16×16 input, level 4×4: scaled (0, 0, 2, 2), centre 1, half size 1.
  const m = insideMasks(Float32Array.of(0, 0, 8, 8), 0, 1, 4, 4, 16, 16);
  assert.deepEqual(Array.from(m), [1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0]);
});

test('the teacher renders one map per level with the student shapes; the context token is the last one', () => {
  const teacher = new DynamicTeacher({ numClasses: 3, channels: 16, numHeads: 4, pattern: 'student' });
  const levels = [tf.randomNormal([2, 8, 8, 16]), tf.randomNormal([2, 4, 4, 16]), tf.randomNormal([2, 2, 2, 16])] as Tensor4D[];
  const gt = { boxes: [Float32Array.of(0, 0, 16, 16, 20, 20, 60, 60), Float32Array.of(8, 8, 40, 40)], labels: [Int32Array.of(0, 2), Int32Array.of(1)] };
  const objects = teacherObjects(gt, 3, 64, 64, true);
  const out = teacher.forward(levels, objects, 64, 64);
  assert.deepEqual(out.map((t) => t.shape), levels.map((t) => t.shape));
  assert.ok(out.every((t) => t.dataSync().every(Number.isFinite)));
  // Only the context token's embedding reaches pixels outside every object: perturb it, and only it.
  const masks = teacher.levelMasks(objects, 8, 8, 64, 64);
  const e = tf.randomNormal([objects.counts[0] + objects.counts[1], 16]) as Tensor2D;
  const base = teacher.mapLevel(e, masks, objects.counts, true, 8, 8);
  const bumpRow = (row: number): Tensor2D => tf.add(e, tf.oneHot(tf.tensor1d([row], 'int32'), e.shape[0]).reshape([e.shape[0], 1]).mul(5)) as Tensor2D;
  const lastOfFirst = teacher.mapLevel(bumpRow(2), masks, objects.counts, true, 8, 8);
  const diff = tf.sub(lastOfFirst, base).abs().sum([1, 2, 3]).dataSync();
  assert.ok(diff[0] > 1e-3, 'changing the last token of image 0 changes image 0');
  assert.ok(diff[1] < 1e-6, 'and never image 1');
});

test('IN distillation: zero where equal up to per-channel affine, no gradient to the detached target', () => {
  const s = tf.variable(tf.randomNormal([2, 4, 4, 3]));
  const t = tf.variable(tf.randomNormal([2, 4, 4, 3]));
  const same = normalizedMse([s as unknown as Tensor4D], [tf.add(tf.mul(s, 3), 2) as Tensor4D], instanceNorm);
  assert.ok(same.dataSync()[0] < 1e-8);
  const { grads } = tf.variableGrads(() => normalizedMse([s as unknown as Tensor4D], [t as unknown as Tensor4D], instanceNorm) as Scalar, [s, t]);
  assert.ok(grads[s.name] !== undefined && tf.abs(grads[s.name]).sum().dataSync()[0] > 0);
  assert.ok(grads[t.name] === undefined || tf.abs(grads[t.name]).sum().dataSync()[0] === 0, 'the target gets no gradient');
  // The mean runs over all elements of all levels together.
  const a = tf.zeros([1, 2, 2, 1]) as Tensor4D;
  const value = normalizedMse([a, tf.tensor4d([1, -1, 1, -1], [1, 2, 2, 1])], [a, tf.zeros([1, 2, 2, 1]) as Tensor4D], instanceNorm).dataSync()[0];
  assert.ok(Math.abs(value - 4 * (1 - 1e-5) / 8) < 1e-4, `got ${value}`);
});

test('LGD phases switch at the right iterations and the teacher has its own optimizer', () => {
  const model = tinyDetector('retinanet', [{ type: 'LGD', distill_start: 10, distill_stop: 25, freeze_backbone_until: 5 }]) as SupervisedDetector;
  const plan = buildPhasePlan(model, [], 30);
  assert.deepEqual([4, 5, 9, 10, 24, 25].map((i) => plan.isActive('lgd_distill', i)), [false, false, false, true, true, false]);
  assert.ok(plan.droppedParams(4).has('backbone.conv1.weight'));
  assert.equal(plan.droppedParams(5).size, 0);
  const opt = model.trainingOptimizers();
  assert.deepEqual(opt.map((o) => [o.name, o.params]), [['lgd_teacher', ['supervisors.0.teacher']]]);
});

test("LGD's teacher runs the student's solver by default (official), an optimizer of its own; teacher_optimizer overrides it", () => {
  const sgd = (lr: number, clip: object) => buildComponent<OptimizerFactory>(SGD, { lr, momentum: 0.9, grad_clip: clip });
  const main = { optimizer: sgd(0.02, { type: 'norm', max_norm: 35, norm_type: 2 }), schedule: buildComponent<ScheduleFactory>(MultiStepLR, { steps: [6], gamma: 0.1, warmup: { type: 'none' } }) };
  const entries = (sup: object) => buildOptimizers(tinyDetector('retinanet', [{ type: 'LGD', ...sup }]), main, [], 10);
  const [student, teacher] = entries({});
  assert.deepEqual([student.name, teacher.name], ['main', 'lgd_teacher']);
  assert.notEqual(teacher.optimizer, student.optimizer, 'a separate optimizer: its own momentum and clipping');
  assert.deepEqual([teacher.optimizer.type, teacher.optimizer.baseLr, teacher.clip], [student.optimizer.type, 0.02, student.clip]);
  assert.deepEqual([0, 5, 6, 9].map((i) => teacher.schedule.factor(i)), [0, 5, 6, 9].map((i) => student.schedule.factor(i)));
  assert.ok(teacher.schedule.factor(6) < teacher.schedule.factor(5), "the student's LR step");
  assert.ok(teacher.optimizer.groups.flatMap((g) => g.params).every(([n]) => n.startsWith('supervisors.0.teacher')));
  assert.ok(student.optimizer.groups.flatMap((g) => g.params).every(([n]) => !n.startsWith('supervisors.0.teacher')));
  const own = entries({ teacher_optimizer: { type: 'SGD', lr: 0.01, grad_clip: { type: 'value', value: 1 } } })[1];
  assert.deepEqual([own.optimizer.baseLr, own.clip], [0.01, { type: 'value', value: 1 }]);
});

test('LGD attention heads default to 32 channels each (8 on the official 256), at least one, always a divisor', () => {
  assert.deepEqual([256, 128, 96, 64, 32, 16, 48, 40].map(defaultNumHeads), [8, 4, 3, 2, 1, 1, 1, 1]);
  const model = tinyDetector('retinanet', [{ type: 'LGD' }]) as SupervisedDetector;
  const teacher = (model.supervisors[0].module as unknown as { teacher: DynamicTeacher }).teacher;
  assert.equal(teacher.attention.numHeads, 1, 'the 32-channel FPN gets one 32-dim head');
});

test('LGD: 12 training iterations with finite losses; distillation reaches the student only when on', () => {
  const model = tinyDetector('retinanet', [{ type: 'LGD', distill_start: 6, freeze_backbone_until: 3 }]);
  const batch = drawnBatch();
  const results = train(model, batch, 12);
  for (const r of results) {
    assert.deepEqual(Object.keys(r.terms).sort(), ['loss_bbox', 'loss_bbox_tea', 'loss_cls', 'loss_cls_tea', 'loss_distill']);
    assert.ok(Object.values(r.terms).every(Number.isFinite));
  }
  assert.ok(results[11].lr.lgd_teacher > 0, 'the teacher optimizer stepped');
  // Before the start point the distillation loss has no path to the neck.
  const neckGrad = (iter: number): number => {
    const neck = model.trainableParameters().find(([n]) => n.startsWith('neck.'))![1];
    const { grads } = tf.variableGrads(() => model.forwardTrain(batch, { iter, maxIters: 12 }).loss_distill, [neck]);
    const g = grads[neck.name];
    return g === undefined ? 0 : tf.abs(g).sum().dataSync()[0];
  };
  assert.throws(() => neckGrad(3), /Cannot find a connection/, 'no path from the neck to the distillation loss while off');
  assert.ok(neckGrad(8) > 0);
});

test('LGD detach_appearance: the teacher loss reaches the neck only without it (Faster R-CNN configs block it)', () => {
  const batch = drawnBatch();
  const teacherLossToNeck = (detach: boolean): number => {
    const model = tinyDetector('retinanet', [{ type: 'LGD', detach_appearance: detach, interact_pattern: 'label' }]);
    const neck = model.trainableParameters().find(([n]) => n.startsWith('neck.'))![1];
    const { grads } = tf.variableGrads(() => model.forwardTrain(batch, { iter: 0, maxIters: 30 }).loss_cls_tea, [neck]);
    return tf.abs(grads[neck.name]).sum().dataSync()[0];
  };
  assert.ok(teacherLossToNeck(false) > 0);
  assert.throws(() => teacherLossToNeck(true), /Cannot find a connection/);
});
