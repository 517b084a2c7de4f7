/**
 * One optimisation step: losses and gradients under `tf.variableGrads` over
 * the trainable parameters minus the dropped ones, the NaN/Inf guard, then each
 * optimizer's clipping and update on its own parameters. The step runs in the
 * engine's scope (`inScope`), so every tensor made here is freed on return and
 * on throw: only variables and optimizer slots outlive a step.
 */
import { inScope } from '../engine/step.js';
import { tf, type Scalar, type Tensor, type Variable } from '../engine/tf.js';
import type { IterationInfo } from '../detection/types.js';
import type { GradClip } from './grad_clip.js';
import { clipGradients } from './grad_clip.js';
import type { LrSchedule } from './lr_schedules.js';
import { assertFiniteLosses } from './nan_guard.js';
import type { Optimizer } from './optimizers/optimizer.js';
import type { PhasePlan } from './phases.js';
import type { TrainModel } from './types.js';

/** An optimizer with its schedule and clipping, as the runner holds it. */
export interface OptimizerEntry {
  name: string;
  optimizer: Optimizer;
  schedule: LrSchedule;
  clip: GradClip;
}

export interface StepResult {
  /** Each term after its phase weight (terms weighted 0 are absent). */
  terms: Record<string, number>;
  /** Every term name the model returned, weighted 0 or not. */
  modelTerms: string[];
  total: number;
  /** The base LR of each optimizer at this iteration. */
  lr: Record<string, number>;
  /** Total gradient norm per optimizer, when clipping by norm. */
  gradNorm: Record<string, number>;
}

export function trainStep<B>(
  model: TrainModel<B>,
  batch: B,
  info: IterationInfo,
  trainable: readonly [string, Variable][],
  optimizers: readonly OptimizerEntry[],
  phases: PhasePlan,
): StepResult {
  return inScope(() => step(model, batch, info, trainable, optimizers, phases));
}

function step<B>(
  model: TrainModel<B>,
  batch: B,
  info: IterationInfo,
  trainable: readonly [string, Variable][],
  optimizers: readonly OptimizerEntry[],
  phases: PhasePlan,
): StepResult {
  const dropped = phases.droppedParams(info.iter);
  const vars = trainable.filter(([n]) => !dropped.has(n));
  const dotted = new Map(vars.map(([n, v]) => [v.name, n]));
  const kept: Tensor[] = [];
  const names: string[] = [];
  const modelTerms: string[] = [];
  let grads: Record<string, Tensor> = {};
  let value: Scalar | undefined;
  try {
    const lossFn = (): Scalar => {
      const terms = model.forwardTrain(batch, info);
      const parts: Scalar[] = [];
      for (const [name, t] of Object.entries(terms)) {
        modelTerms.push(name);
        if (t.rank !== 0) throw new Error(`loss term '${name}' has shape [${t.shape.join(', ')}]; a loss term must be a scalar`);
        const w = phases.lossWeight(name, info.iter);
        if (w === 0) continue;
        const weighted: Scalar = w === 1 ? t : tf.mul(t, w);
        names.push(name);
        kept.push(tf.keep(weighted));
        parts.push(weighted);
      }
      if (parts.length === 0) throw new Error(`iteration ${info.iter + 1}: every loss term is weighted 0 by the phases; nothing to optimise`);
      return tf.addN(parts);
    };
    if (vars.length > 0) {
      ({ value, grads } = tf.variableGrads(lossFn, vars.map(([, v]) => v)));
    } else {
      value = tf.tidy(lossFn);
    }
    const stacked = tf.stack(kept);
    const values = stacked.dataSync();
    stacked.dispose();
    const terms: Record<string, number> = {};
    names.forEach((n, i) => (terms[n] = values[i]));
    const total = names.reduce((s, n) => s + terms[n], 0);
    assertFiniteLosses(terms, info.iter + 1);

    const byName = new Map<string, Tensor>();
    for (const [tfName, g] of Object.entries(grads)) byName.set(dotted.get(tfName)!, g);
    const lr: Record<string, number> = {};
    const gradNorm: Record<string, number> = {};
    for (const e of optimizers) {
      const own = new Map<string, Tensor>();
      for (const group of e.optimizer.groups) {
        for (const [n] of group.params) {
          const g = byName.get(n);
          if (g !== undefined) own.set(n, g);
        }
      }
      lr[e.name] = e.optimizer.baseLr * e.schedule.factor(info.iter);
      const clipped = clipGradients(own, e.clip);
      try {
        e.optimizer.apply(clipped.grads, lr[e.name]);
      } finally {
        for (const g of clipped.grads.values()) g.dispose();
      }
      if (clipped.norm !== undefined) gradNorm[e.name] = clipped.norm;
    }
    return { terms, modelTerms, total, lr, gradNorm };
  } finally {
    tf.dispose(kept);
    value?.dispose();
    tf.dispose(Object.values(grads));
  }
}
