/** A checkpoint named on the command line (a checkpoint directory or a .safetensors file) loaded into a detector. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../config/errors.js';
import type { Module } from './module.js';
import { readSafetensors } from './safetensors.js';
import { loadModelTensors } from './model_weights.js';

/** The weights file of `checkpoint`: its tensors.safetensors for a directory, else the file itself. */
export function checkpointFile(checkpoint: string): string {
  const file = existsSync(checkpoint) && statSync(checkpoint).isDirectory() ? join(checkpoint, 'tensors.safetensors') : checkpoint;
  if (!existsSync(file)) throw new UserError(`--checkpoint ${checkpoint}: no such checkpoint (expected a checkpoint directory or a .safetensors file)`);
  return file;
}

/** Loads the model weights of `checkpoint` into `model`; returns the file read. */
export function loadCheckpoint(model: Module, checkpoint: string): string {
  const file = checkpointFile(checkpoint);
  const { tensors } = readSafetensors(file);
  try {
    loadModelTensors(model, tensors, file);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  return file;
}
