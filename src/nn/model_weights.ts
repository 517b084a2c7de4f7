/**
 * A checkpoint's tensors into a detector: a detlab checkpoint prefixes model
 * tensors with `model/` (beside optimizer slots); a bare weights file has no
 * prefix. Shared by `detlab eval --checkpoint`, `load_from:`, loadDetector and
 * the exported browser page (which decodes the same safetensors bytes).
 */
import { UserError } from '../config/errors.js';
import type { Tensor } from '../engine/tf.js';
import type { Module } from './module.js';

/** Where the EMA hook keeps its average of a parameter in a checkpoint. */
export const EMA_PREFIX = 'hook/ema/';

/**
 * The model's tensors of a checkpoint, keyed without the `model/` prefix (the
 * same tensors, not copies). `ema`: the parameters the EMA hook averaged are
 * taken from the average (`hook/ema/<name>`), the buffers from the model.
 */
export function modelState(tensors: ReadonlyMap<string, Tensor>, o: { ema?: boolean } = {}): Map<string, Tensor> {
  const prefixed = [...tensors.keys()].some((k) => k.startsWith('model/'));
  const state = new Map([...tensors].filter(([k]) => !prefixed || k.startsWith('model/')).map(([k, t]) => [prefixed ? k.slice(6) : k, t]));
  if (o.ema === true) for (const [k, t] of tensors) if (k.startsWith(EMA_PREFIX) && state.has(k.slice(EMA_PREFIX.length))) state.set(k.slice(EMA_PREFIX.length), t);
  return state;
}

/** Loads the model tensors of `tensors` into `model`; errors name `source`. Disposes nothing. */
export function loadModelTensors(model: Module, tensors: ReadonlyMap<string, Tensor>, source: string, o: { ema?: boolean } = {}): void {
  try {
    model.loadStateDict(modelState(tensors, o));
  } catch (err) {
    throw new UserError(`${source}: ${(err as Error).message}`);
  }
}
