/**
 * Loading torch-layout weights (e.g. torchvision ImageNet checkpoints
 * converted to .safetensors) into a module tree whose names match torch's.
 */
import type { Tensor } from '../engine/tf.js';
import type { Module } from './module.js';
import { readSafetensors } from './safetensors.js';
import { stateFromTorch } from './torch_layout.js';

export interface TorchCheckpointOptions {
  /** Keys of the file to skip (torchvision's `fc.*`, BN `num_batches_tracked`). */
  ignore?: (key: string) => boolean;
}

/**
 * Loads `path` into `module` strictly: a missing, unexpected or mis-shaped key
 * is an error naming the file and listing the keys. Returns the skipped keys.
 */
export function loadTorchCheckpoint(module: Module, path: string, opts: TorchCheckpointOptions = {}): { ignored: string[] } {
  const { tensors } = readSafetensors(path);
  const ignored: string[] = [];
  const kept = new Map<string, Tensor>();
  for (const [k, t] of tensors) {
    if (opts.ignore?.(k) === true) {
      ignored.push(k);
      t.dispose();
    } else {
      kept.set(k, t);
    }
  }
  const converted = stateFromTorch(module, kept);
  try {
    module.loadStateDict(converted);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  } finally {
    for (const t of new Set([...kept.values(), ...converted.values()])) t.dispose();
  }
  return { ignored };
}
