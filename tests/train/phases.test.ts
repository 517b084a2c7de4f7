import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Variable } from '../../src/engine/tf.js';
import type { Hook } from '../../src/train/hooks.js';
import { gradientMask } from '../../src/nn/grad.js';
import { PhasePlan, phaseActive } from '../../src/train/phases.js';
import { Rng } from '../../src/train/rng.js';
import { ToyModel } from './toy.js';
import { buildToyRun, type ToyRun } from './toy_run.js';

const PARAMS = ['backbone.weight', 'backbone.bias', 'head.weight', 'head.bias'];

test('phase plan: weights, drops and flags switch exactly at start and stop (fractions included)', () => {
  const plan = new PhasePlan(
    [
      { spec: { kind: 'loss_weight', terms: ['loss_distance'], weight: 0, stop: '25%' }, where: 'a' },
      { spec: { kind: 'loss_weight', terms: ['loss_aux*'], weight: 0.5, start: 30, stop: 0.9 }, where: 'b' },
      { spec: { kind: 'drop_grads', params: ['backbone'], stop: 10 }, where: 'c' },
      { spec: { kind: 'flag', name: 'distill', start: 0.3 }, where: 'd' },
    ],
    120,
    PARAMS,
  );
  assert.deepEqual([29, 30].map((i) => plan.lossWeight('loss_distance', i)), [0, 1]);
  assert.deepEqual([29, 30, 107, 108].map((i) => plan.lossWeight('loss_aux_cls', i)), [1, 0.5, 0.5, 1]);
  assert.equal(plan.lossWeight('loss_cls', 0), 1);
  assert.deepEqual([...plan.droppedParams(9)], ['backbone.weight', 'backbone.bias']);
  assert.equal(plan.droppedParams(10).size, 0);
  assert.deepEqual([35, 36].map((i) => plan.isActive('distill', i)), [false, true]);
  assert.ok(phaseActive({ start: 0.3 }, { iter: 36, maxIters: 120 }));
  assert.deepEqual(plan.changesAt(30), ["phase 'weight 0 on loss_distance' off", "phase 'weight 0.5 on loss_aux*' on"]);
  assert.throws(() => new PhasePlan([{ spec: { kind: 'drop_grads', params: ['backbon'], stop: 5 }, where: 'train.phases[2]' }], 10, PARAMS), /train.phases\[2\].params: 'backbon' matches no trainable parameter/);
  assert.throws(() => new PhasePlan([{ spec: { kind: 'flag', name: 'x', start: 8, stop: 4 }, where: 'p' }], 10, PARAMS), /stop \(4\) is before start \(8\)/);
  assert.throws(() => plan.checkTerms(['loss_cls', 'loss_aux_x']), /a.terms: 'loss_distance' matches none of the model's loss terms/);
});

test("drop_grads phases are nn's gradient-drop rules: the same parameters at every iteration", () => {
  const model = new ToyModel(new Rng(1));
  const plan = new PhasePlan([{ spec: { kind: 'drop_grads', params: ['backbone', 'norm.weight'], start: '10%', stop: 0.5 }, where: 'p' }], 40, model.trainableParameters().map(([n]) => n));
  assert.deepEqual(plan.gradientDropRules(), [{ prefixes: ['backbone', 'norm.weight'], fromIter: 4, untilIter: 20 }]);
  for (const iter of [0, 3, 4, 19, 20, 39]) {
    assert.deepEqual([...plan.droppedParams(iter)].sort(), [...gradientMask(model, plan.gradientDropRules(), iter)].sort(), `iteration ${iter}`);
  }
  assert.equal(plan.droppedParams(4).size, 3);
  model.dispose();
});

function snapshot(vars: [string, Variable][]): Map<string, number[]> {
  return new Map(vars.map(([n, v]) => [n, Array.from(v.dataSync())]));
}

function slotsOf(r: ToyRun, prefix: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const e of r.optimizers) for (const [k, v] of e.optimizer.slots()) if (k.startsWith(prefix)) out.set(`${e.name}/${k}`, Array.from(v.dataSync()));
  return out;
}

test('a loss-weight phase removes the term for exactly its iterations', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-phase-'));
  try {
    const r = buildToyRun({ runDir: dir, maxIters: 20, phases: [{ kind: 'loss_weight', terms: ['loss_aux'], weight: 0, stop: 8 }, { kind: 'loss_weight', terms: ['loss_mse'], weight: 2, start: '75%' }] });
    await r.runner.run();
    const hasAux = r.steps.map((s) => 'loss_aux' in s.result.terms);
    assert.deepEqual(hasAux, Array.from({ length: 20 }, (_, i) => i >= 8), 'loss_aux is off for steps 1-8 and on from step 9');
    for (const s of r.steps) {
      const sum = Object.values(s.result.terms).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(s.result.total - sum) < 1e-6);
    }
    r.model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const optimizer of ['sgd', 'adamw'] as const) {
  test(`dropping gradients (${optimizer}) leaves parameters and optimizer slots untouched, then training resumes`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'detlab-drop-'));
    try {
      // Backbone trains for 4 steps (slots exist), is dropped for steps 5-9, trains again from 10.
      const seen: { params: Map<string, number[]>; slots: Map<string, number[]> }[] = [];
      const ref: { run?: ToyRun } = {};
      const probe: Hook = {
        name: 'probe',
        afterStep: () => void seen.push({ params: snapshot(ref.run!.model.backbone.namedParameters('backbone')), slots: slotsOf(ref.run!, 'backbone.') }),
      };
      const run = (ref.run = buildToyRun({ runDir: dir, maxIters: 12, optimizer, phases: [{ kind: 'drop_grads', params: ['backbone'], start: 4, stop: 9 }], extraHooks: [probe] }));
      await run.runner.run();
      assert.ok(seen[3].slots.size > 0, 'slots were created while the backbone trained');
      for (let step = 5; step <= 9; step++) {
        assert.deepEqual(seen[step - 1].params, seen[3].params, `backbone parameters unchanged after step ${step}`);
        assert.deepEqual(seen[step - 1].slots, seen[3].slots, `backbone slots unchanged after step ${step}`);
      }
      assert.notDeepEqual(seen[9].params, seen[8].params, 'the backbone trains again at step 10');
      assert.notDeepEqual(seen[9].slots, seen[8].slots);
      if (optimizer === 'adamw') {
        const steps = (run.optimizers[0].optimizer.jsonState() as { steps: Record<string, number> }).steps;
        assert.equal(steps['backbone.weight'], 12 - 5, 'AdamW step count skips the dropped iterations');
        assert.equal(steps['head.weight'], 12);
      }
      run.model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('dropping from iteration 0 creates no slot until the parameter first trains', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'detlab-drop0-'));
  try {
    const slotCounts: number[] = [];
    const ref: { run?: ToyRun } = {};
    const probe: Hook = { name: 'probe', afterStep: () => void slotCounts.push(slotsOf(ref.run!, 'backbone.').size) };
    const run = (ref.run = buildToyRun({ runDir: dir, maxIters: 6, phases: [{ kind: 'drop_grads', params: ['backbone'], stop: 3 }], extraHooks: [probe] }));
    const initial = snapshot(run.model.backbone.namedParameters('backbone'));
    await run.runner.run();
    assert.deepEqual(slotCounts, [0, 0, 0, 2, 2, 2]);
    assert.notDeepEqual(snapshot(run.model.backbone.namedParameters('backbone')), initial);
    run.model.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
