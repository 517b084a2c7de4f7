/**
 * From a built model and the training config to what the runner takes: the
 * optimizers (the main `optimizer:` over every parameter no other optimizer
 * claims, plus those of `train.optimizers` and of the model's supervisors)
 * and the phase plan (config phases plus the model's own).
 */
import { ComponentError } from '../config/errors.js';
import type { Module } from '../nn/module.js';
import { assignParams, normParameterNames } from './param_groups.js';
import { hasPhases, PhasePlan, type PhaseSpec } from './phases.js';
import type { OptimizerEntry } from './train_step.js';
import { hasOptimizers, type DeclaredOptimizer } from './types.js';

export const MAIN_OPTIMIZER = 'main';

export function buildOptimizers(model: Module, main: Required<Omit<DeclaredOptimizer, 'name' | 'params'>>, extra: readonly DeclaredOptimizer[], maxIters: number): OptimizerEntry[] {
  const declared = [...extra, ...(hasOptimizers(model) ? model.trainingOptimizers() : [])];
  const names = new Set<string>([MAIN_OPTIMIZER]);
  for (const d of declared) {
    if (names.has(d.name)) throw new ComponentError(`two optimizers are named '${d.name}'`);
    names.add(d.name);
  }
  const owners = assignParams(model.trainableParameters(), [{ name: MAIN_OPTIMIZER }, ...declared.map((d) => ({ name: d.name, prefixes: d.params }))]);
  const norms = normParameterNames(model);
  const all = [{ name: MAIN_OPTIMIZER, ...main }, ...declared.map((d) => ({ ...d, optimizer: d.optimizer ?? main.optimizer, schedule: d.schedule ?? main.schedule }))];
  return all
    .filter((d) => owners.get(d.name)!.length > 0)
    .map((d) => ({
      name: d.name,
      optimizer: d.optimizer.create(owners.get(d.name)!, norms),
      schedule: d.schedule(maxIters),
      clip: d.optimizer.clip,
    }));
}

export function buildPhasePlan(model: Module, configPhases: readonly PhaseSpec[], maxIters: number): PhasePlan {
  const phases = configPhases.map((spec, i) => ({ spec, where: `train.phases[${i}]` }));
  if (hasPhases(model)) phases.push(...model.trainingPhases().map((spec, i) => ({ spec, where: `${model.constructor.name}.trainingPhases()[${i}]` })));
  return new PhasePlan(phases, maxIters, model.trainableParameters().map(([n]) => n));
}
