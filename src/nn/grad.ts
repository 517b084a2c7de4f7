/**
 * Gradient control.
 *
 * `stopGradient(x)` returns a tensor with x's values that the tape does not
 * connect to x (tfjs has no stop-gradient op): it shares x's data and costs
 * nothing, and nothing upstream of it is differentiated through it.
 *
 * Dropping gradients ("freeze module X for the first K iterations" as LGD and
 * LabelEnc do) is data: a `GradientDropRule` names parameter prefixes and an
 * iteration range; `gradientMask` turns the rules into the set of dropped
 * parameter names at an iteration, and `trainableVariables` lists what the
 * optimizer may touch. A dropped parameter gets no gradient at all, so an
 * optimizer that only visits the gradients it is given applies no update, no
 * weight decay and no momentum to it (its momentum buffer is not decayed
 * either), which is what discarding `.grad` does in PyTorch.
 */
import { ComponentError } from '../config/errors.js';
import { tf, type NamedTensorMap, type Tensor, type Variable } from '../engine/tf.js';
import type { Module } from './module.js';

export function stopGradient<T extends Tensor>(x: T): T {
  const engine = tf.engine();
  // A second handle on x's data, made outside any kernel so the tape has no edge to x.
  const y = engine.makeTensorFromDataId(x.dataId, x.shape, x.dtype) as T;
  engine.backend.incRef(x.dataId);
  return y;
}

/** Drop the gradients of every parameter under `prefixes` for iterations [`fromIter`, `untilIter`). */
export interface GradientDropRule {
  /** Dotted module paths or parameter names (`backbone`, `neck.fpn_convs.0`); '' means the whole model. */
  prefixes: readonly string[];
  /** First iteration (0-based) of the drop; default 0. */
  fromIter?: number;
  /** First iteration at which gradients flow again (exclusive end). */
  untilIter: number;
}

/** Names of parameters whose gradients are dropped at one iteration. */
export type GradientMask = ReadonlySet<string>;

/** True when `name` is `prefix` itself or lies under it in the dotted tree. */
export function underPrefix(name: string, prefix: string): boolean {
  return prefix === '' || name === prefix || name.startsWith(`${prefix}.`);
}

/** Trainable parameters of `model` under `prefix` (dotted names relative to the model). */
export function parametersUnder(model: Module, prefix: string): [string, Variable][] {
  return model.trainableParameters().filter(([n]) => underPrefix(n, prefix));
}

/**
 * The dropped parameter names at iteration `iter`. A prefix that matches no
 * parameter of `model` is an error (a typo would otherwise silently train).
 */
export function gradientMask(model: Module, rules: readonly GradientDropRule[], iter: number): GradientMask {
  const names = model.namedParameters().map(([n]) => n);
  const dropped = new Set<string>();
  for (const rule of rules) {
    for (const p of rule.prefixes) {
      const hit = names.filter((n) => underPrefix(n, p));
      if (hit.length === 0) throw new ComponentError(`gradient drop: no parameter of the model is under '${p}'`);
      if (iter >= (rule.fromIter ?? 0) && iter < rule.untilIter) for (const n of hit) dropped.add(n);
    }
  }
  return dropped;
}

/**
 * The variables to differentiate and update at this iteration: trainable and
 * not masked, in the model's order. Pass them as `varList` to
 * `tf.variableGrads`/`optimizer.minimize`, so dropped ones get no gradient.
 */
export function trainableVariables(model: Module, mask: GradientMask = new Set()): Variable[] {
  return model.trainableParameters().filter(([n]) => !mask.has(n)).map(([, v]) => v);
}

/**
 * Removes (and disposes) the gradients of masked parameters from a map keyed
 * by tfjs variable name, as `tf.variableGrads` returns; for trainers that
 * differentiate everything and filter afterwards. Returns the same map.
 */
export function dropMaskedGradients(model: Module, grads: NamedTensorMap, mask: GradientMask): NamedTensorMap {
  for (const [n, v] of model.namedParameters()) {
    if (!mask.has(n)) continue;
    const g = grads[v.name];
    if (g !== undefined) {
      g.dispose();
      delete grads[v.name];
    }
  }
  return grads;
}
