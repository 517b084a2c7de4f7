/**
 * Assembles a toy training run from the real framework pieces (param groups,
 * optimizers, schedules, phases, hooks, runner), for the tests and the child
 * process the kill test runs.
 */
import { CheckpointHook } from '../../src/train/hooks/checkpoint_hook.js';
import { LoggerHook } from '../../src/train/hooks/logger_hook.js';
import type { Hook, StepRecord } from '../../src/train/hooks.js';
import { multiStepSchedule } from '../../src/train/lr_schedules.js';
import { AdamW } from '../../src/train/optimizers/adamw.js';
import { Sgd } from '../../src/train/optimizers/sgd.js';
import { assignParams, buildParamGroups, DEFAULT_PARAMWISE, normParameterNames } from '../../src/train/param_groups.js';
import { PhasePlan, type PhaseSpec } from '../../src/train/phases.js';
import { Rng } from '../../src/train/rng.js';
import { Runner } from '../../src/train/runner.js';
import type { OptimizerEntry } from '../../src/train/train_step.js';
import { ToyData, ToyModel, type ToyBatch } from './toy.js';

export interface ToyRunOptions {
  runDir: string;
  maxIters: number;
  optimizer?: 'sgd' | 'adamw';
  /** Put `head` under its own AdamW optimizer (two optimizers, disjoint groups). */
  separateHead?: boolean;
  phases?: PhaseSpec[];
  checkpointInterval?: number;
  resumeFrom?: string;
  nanAt?: number;
  extraHooks?: Hook[];
}

export interface ToyRun {
  runner: Runner<ToyBatch>;
  model: ToyModel;
  optimizers: OptimizerEntry[];
  /** Every step record seen by the recording hook, in order. */
  steps: StepRecord[];
}

export function buildToyRun(o: ToyRunOptions): ToyRun {
  const rng = new Rng(11);
  const model = new ToyModel(rng);
  model.nanAt = o.nanAt;
  const params = model.trainableParameters();
  const norms = normParameterNames(model);
  const owners = assignParams(params, o.separateHead === true ? [{ name: 'default' }, { name: 'head', prefixes: ['head'] }] : [{ name: 'default' }]);
  const warmup = { type: 'linear' as const, iters: 5, ratio: 0.1 };
  const optimizers: OptimizerEntry[] = [...owners].map(([name, ps]) => {
    const groups = buildParamGroups(ps, norms, { ...DEFAULT_PARAMWISE, biasLrMult: 2, biasDecayMult: 0 });
    const optimizer =
      name === 'head' || o.optimizer === 'adamw'
        ? new AdamW(groups, { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 })
        : new Sgd(groups, { lr: 0.05, momentum: 0.9, weightDecay: 1e-3, nesterov: false });
    return { name, optimizer, schedule: multiStepSchedule(['60%', 0.8], 0.1, warmup)(o.maxIters), clip: { type: 'norm' as const, maxNorm: 5, normType: 2 } };
  });
  const phases = new PhasePlan(
    (o.phases ?? []).map((spec, i) => ({ spec, where: `phases[${i}]` })),
    o.maxIters,
    params.map(([n]) => n),
  );
  const steps: StepRecord[] = [];
  const recorder: Hook = { name: 'recorder', afterStep: (_run, s) => void steps.push(s) };
  const hooks: Hook[] = [new LoggerHook(1), recorder, ...(o.extraHooks ?? [])];
  if (o.checkpointInterval !== undefined) hooks.push(new CheckpointHook(o.checkpointInterval));
  const runner = new Runner<ToyBatch>({
    model,
    data: new ToyData(),
    optimizers,
    phases,
    maxIters: o.maxIters,
    rng,
    runDir: o.runDir,
    hooks,
    resumeFrom: o.resumeFrom,
    print: () => undefined,
  });
  return { runner, model, optimizers, steps };
}
