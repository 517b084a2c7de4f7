/** LGD's options that change what trains: an unshared teacher head, the backbone freeze, the teacher's own schedule. */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { tf } from '../../src/engine/tf.js';
import { initEngine } from '../../src/engine/init.js';
import type { SupervisedDetector } from '../../src/supervision/supervised_detector.js';
import { buildOptimizers } from '../../src/train/build.js';
import type { ScheduleFactory } from '../../src/train/lr_schedules.js';
import type { OptimizerFactory } from '../../src/train/optimizers/options.js';
import { MultiStepLR } from '../../registry/lr_schedules/multistep_lr.js';
import { SGD } from '../../registry/optimizers/sgd.js';
import { buildComponent } from '../detection/build_helpers.js';
import { drawnBatch, tinyDetector } from './helpers.js';

before(async () => {
  await initEngine({ backend: 'wasm', log: false });
});

const main = () => ({
  optimizer: buildComponent<OptimizerFactory>(SGD, { lr: 0.02, momentum: 0.9 }),
  schedule: buildComponent<ScheduleFactory>(MultiStepLR, { steps: [6], gamma: 0.1, warmup: { type: 'none' } }),
});

test('share_head: false gives the teacher a head of its own: its loss trains that copy, not the detector head, and its optimizer holds it', () => {
  const model = tinyDetector('retinanet', [{ type: 'LGD', share_head: false }]) as SupervisedDetector;
  const names = model.trainableParameters().map(([n]) => n);
  const copy = names.filter((n) => n.startsWith('supervisors.0.teacher_head.'));
  assert.ok(copy.length > 0 && copy.length === names.filter((n) => n.startsWith('head.')).length, 'a full copy of the head');
  const [head, teacherHead] = ['head.retina_cls.weight', 'supervisors.0.teacher_head.retina_cls.weight'].map((n) => model.trainableParameters().find(([m]) => m === n)![1]);
  const { grads } = tf.variableGrads(() => model.forwardTrain(drawnBatch(), { iter: 0, maxIters: 10 }).loss_cls_tea, [head, teacherHead]);
  assert.ok(tf.abs(grads[teacherHead.name]).sum().dataSync()[0] > 0);
  assert.equal(grads[head.name] === undefined ? 0 : tf.abs(grads[head.name]).sum().dataSync()[0], 0);
  const [, teacher] = buildOptimizers(model, main(), [], 10);
  const params = teacher.optimizer.groups.flatMap((g) => g.params).map(([n]) => n);
  assert.ok(copy.every((n) => params.includes(n)), 'the copy trains with the teacher');
  const shared = tinyDetector('retinanet', [{ type: 'LGD' }]);
  assert.ok(!shared.trainableParameters().some(([n]) => n.startsWith('supervisors.0.teacher_head.')));
});

test('the backbone freeze is a phase only when asked for; the teacher may run a schedule of its own', () => {
  const phases = (sup: object) => (tinyDetector('retinanet', [{ type: 'LGD', ...sup }]) as SupervisedDetector).trainingPhases();
  const frozen = phases({ freeze_backbone_until: 3 });
  assert.deepEqual(frozen.map((p) => [p.kind, p.name]), [['flag', 'lgd_distill'], ['drop_grads', 'LGD: backbone frozen']]);
  assert.deepEqual((frozen[1] as { params: string[] }).params, ['backbone']);
  assert.deepEqual(phases({ freeze_backbone_until: 0 }).map((p) => p.name), ['lgd_distill']);
  const model = tinyDetector('retinanet', [{ type: 'LGD', teacher_schedule: { type: 'MultiStepLR', steps: [2], gamma: 0.5, warmup: { type: 'none' } } }]);
  const [student, teacher] = buildOptimizers(model, main(), [], 10);
  assert.deepEqual([1, 2, 6].map((i) => teacher.schedule.factor(i)), [1, 0.5, 0.5]);
  assert.deepEqual([1, 2, 6].map((i) => student.schedule.factor(i)), [1, 1, 0.1]);
});
