/**
 * Model weights from a file a user names: a detlab checkpoint directory (its
 * `model/` tensors), its tensors.safetensors, or a bare .safetensors of
 * weights. Used by `load_from:` and `detlab eval --checkpoint`.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../config/errors.js';
import type { Tensor } from '../engine/tf.js';
import { readSafetensors } from '../nn/safetensors.js';

/** Calls `use` with the model tensors of `path` (keys without the `model/` prefix) and the file read; disposes them after. */
export function withModelWeights<T>(path: string, what: string, use: (state: Map<string, Tensor>, file: string) => T): T {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'tensors.safetensors') : path;
  if (!existsSync(file)) throw new UserError(`${what} ${path}: no such checkpoint (expected a checkpoint directory or a .safetensors file)`);
  const { tensors } = readSafetensors(file);
  try {
    const prefixed = [...tensors.keys()].some((k) => k.startsWith('model/'));
    const state = new Map([...tensors].filter(([k]) => !prefixed || k.startsWith('model/')).map(([k, t]) => [prefixed ? k.slice(6) : k, t]));
    return use(state, file);
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}
