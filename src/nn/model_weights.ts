/**
 * A checkpoint's tensors into a detector: a detlab checkpoint prefixes model
 * tensors with `model/` (beside optimizer slots); a bare weights file has no
 * prefix. Shared by `detlab eval --checkpoint`, `load_from:`, loadDetector and
 * the exported browser page (which decodes the same safetensors bytes).
 */
import { UserError } from '../config/errors.js';
import type { Tensor } from '../engine/tf.js';
import type { Module } from './module.js';

/** The model's tensors of a checkpoint, keyed without the `model/` prefix (the same tensors, not copies). */
export function modelState(tensors: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const prefixed = [...tensors.keys()].some((k) => k.startsWith('model/'));
  return new Map([...tensors].filter(([k]) => !prefixed || k.startsWith('model/')).map(([k, t]) => [prefixed ? k.slice(6) : k, t]));
}

/** Loads the model tensors of `tensors` into `model`; errors name `source`. Disposes nothing. */
export function loadModelTensors(model: Module, tensors: ReadonlyMap<string, Tensor>, source: string): void {
  try {
    model.loadStateDict(modelState(tensors));
  } catch (err) {
    throw new UserError(`${source}: ${(err as Error).message}`);
  }
}
