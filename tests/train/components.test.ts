import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BuildContext } from '../../src/registry/component.js';
import { buildOptimizers, buildPhasePlan, MAIN_OPTIMIZER } from '../../src/train/build.js';
import type { ScheduleFactory } from '../../src/train/lr_schedules.js';
import type { OptimizerFactory } from '../../src/train/optimizers/options.js';
import type { PhaseSpec } from '../../src/train/phases.js';
import { Rng } from '../../src/train/rng.js';
import type { DeclaredOptimizer } from '../../src/train/types.js';
import { AdamW } from '../../registry/optimizers/adamw.js';
import { SGD } from '../../registry/optimizers/sgd.js';
import { MultiStepLR } from '../../registry/lr_schedules/multistep_lr.js';
import { CosineLR } from '../../registry/lr_schedules/cosine_lr.js';
import { ToyModel } from './toy.js';

const ctx = (path: string): BuildContext => ({ path, extras: {}, build: () => { throw new Error('no nested components here'); } });

type AnyComponent = { schema: { properties: Record<string, { default?: unknown }> }; build: (o: never, c: BuildContext) => unknown };

/** The component's options with its schema defaults, as validation would fill them, plus `options`. */
function withDefaults<C extends AnyComponent>(component: C, options: Partial<Parameters<C['build']>[0]>): Parameters<C['build']>[0] {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(component.schema.properties)) out[k] = structuredClone(s.default);
  return { ...out, ...options } as Parameters<C['build']>[0];
}

/** A toy model whose "supervisor" trains the head with its own optimizer and declares phases. */
class SupervisedToy extends ToyModel {
  constructor(private readonly teacherOptimizer: OptimizerFactory, private readonly teacherSchedule: ScheduleFactory) {
    super(new Rng(1));
  }
  trainingOptimizers(): DeclaredOptimizer[] {
    return [{ name: 'teacher', params: ['head'], optimizer: this.teacherOptimizer, schedule: this.teacherSchedule }];
  }
  trainingPhases(): PhaseSpec[] {
    return [{ kind: 'drop_grads', params: ['backbone'], stop: '10%' }, { kind: 'flag', name: 'distill', start: 0.3 }];
  }
}

test('optimizer and schedule components build what the trainer assembles: main + config + supervisor optimizers', () => {
  const sgd = SGD.build(withDefaults(SGD, { lr: 0.02, paramwise: { bias_lr_mult: 2, bias_decay_mult: 0, norm_decay_mult: 1, custom: [] }, grad_clip: { type: 'value', value: 1, max_norm: 35, norm_type: 2 } }), ctx('optimizer'));
  const adamw = AdamW.build(withDefaults(AdamW, {}), ctx('train.optimizers.norm.optimizer'));
  const steps = MultiStepLR.build(withDefaults(MultiStepLR, { steps: ['66.667%', '88.889%'] }), ctx('schedule'));
  const cosine = CosineLR.build(withDefaults(CosineLR, { warmup: { type: 'none', iters: 0, ratio: 1 } }), ctx('s'));
  const model = new SupervisedToy(sgd, cosine);
  const entries = buildOptimizers(model, { optimizer: sgd, schedule: steps }, [{ name: 'norm', params: ['norm'], optimizer: adamw, schedule: steps }], 900);
  const owned = Object.fromEntries(entries.map((e) => [e.name, e.optimizer.groups.flatMap((g) => g.params.map(([n]) => n)).sort()]));
  assert.deepEqual(owned, {
    [MAIN_OPTIMIZER]: ['backbone.bias', 'backbone.weight'],
    norm: ['norm.bias', 'norm.weight'],
    teacher: ['head.bias', 'head.weight'],
  });
  const main = entries.find((e) => e.name === MAIN_OPTIMIZER)!;
  assert.deepEqual(main.clip, { type: 'value', value: 1 });
  assert.equal(main.optimizer.type, 'SGD');
  assert.equal(main.optimizer.groups.find((g) => g.name === 'bias')!.lrMult, 2);
  assert.equal(main.schedule.factor(599), 1);
  assert.ok(Math.abs(main.schedule.factor(600) - 0.1) < 1e-12, 'warm-up over, first step at 2/3 of 900');
  assert.equal(entries.find((e) => e.name === 'norm')!.optimizer.type, 'AdamW');

  const plan = buildPhasePlan(model, [{ kind: 'loss_weight', terms: ['loss_aux'], weight: 0, stop: 5 }], 900);
  assert.deepEqual([...plan.droppedParams(89)].sort(), ['backbone.bias', 'backbone.weight']);
  assert.equal(plan.droppedParams(90).size, 0);
  assert.equal(plan.isActive('distill', 270), true);
  assert.equal(plan.lossWeight('loss_aux', 4), 0);
  for (const e of entries) e.optimizer.dispose();
  model.dispose();
});

test('overlapping optimizer claims name both optimizers', () => {
  const sgd = SGD.build(withDefaults(SGD, {}), ctx('optimizer'));
  const steps = MultiStepLR.build(withDefaults(MultiStepLR, {}), ctx('schedule'));
  const model = new SupervisedToy(sgd, steps);
  assert.throws(() => buildOptimizers(model, { optimizer: sgd, schedule: steps }, [{ name: 'extra', params: ['head.weight'], optimizer: sgd, schedule: steps }], 100), /'head.weight' is claimed by optimizers 'extra' and 'teacher'/);
  assert.throws(() => buildOptimizers(model, { optimizer: sgd, schedule: steps }, [{ name: 'teacher', params: ['norm'], optimizer: sgd, schedule: steps }], 100), /two optimizers are named 'teacher'/);
  model.dispose();
});
