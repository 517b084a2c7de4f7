/**
 * A checkpoint named by the user (a checkpoint directory or a .safetensors
 * file) read for its model weights: those the run evaluated, so the EMA's
 * average when the run evaluated on it (`ema.evaluate`, as MMDetection's EMA
 * checkpoints hold the average), else the trained weights.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../config/errors.js';
import type { Tensor } from '../engine/tf.js';
import type { Module } from './module.js';
import { readSafetensors } from './safetensors.js';
import { loadModelTensors, modelState } from './model_weights.js';

/** The weights file of `checkpoint`: its tensors.safetensors for a directory, else the file itself; `what` names the option in the error. */
export function checkpointFile(checkpoint: string, what = '--checkpoint'): string {
  const file = existsSync(checkpoint) && statSync(checkpoint).isDirectory() ? join(checkpoint, 'tensors.safetensors') : checkpoint;
  if (!existsSync(file)) throw new UserError(`${what} ${checkpoint}: no such checkpoint (expected a checkpoint directory or a .safetensors file)`);
  return file;
}

/** Whether the checkpoint directory's run evaluated on the EMA of its weights (state.json `hooks.ema.evaluated`). */
function evaluatedOnEma(checkpoint: string): boolean {
  const stateFile = join(checkpoint, 'state.json');
  if (!existsSync(stateFile)) return false;
  let state: { hooks?: { ema?: { evaluated?: unknown } } };
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as typeof state;
  } catch (err) {
    throw new UserError(`${stateFile}: cannot be read (${(err as Error).message})`);
  }
  return state.hooks?.ema?.evaluated === true;
}

/** Calls `use` with the model tensors of `checkpoint` (keys without the `model/` prefix) and the file read; disposes them after. */
export function withModelWeights<T>(checkpoint: string, what: string, use: (state: Map<string, Tensor>, file: string) => T): T {
  const file = checkpointFile(checkpoint, what);
  const { tensors } = readSafetensors(file);
  try {
    return use(modelState(tensors, { ema: evaluatedOnEma(checkpoint) }), file);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

/** Loads the model weights of `checkpoint` into `model`; returns the file read. */
export function loadCheckpoint(model: Module, checkpoint: string): string {
  const file = checkpointFile(checkpoint);
  const { tensors } = readSafetensors(file);
  try {
    loadModelTensors(model, tensors, file, { ema: evaluatedOnEma(checkpoint) });
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  return file;
}
