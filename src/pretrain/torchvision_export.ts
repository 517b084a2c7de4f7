/**
 * A pretrained classifier as a torchvision `state_dict` in safetensors: the
 * backbone's names (`conv1.weight`, `bn1.running_mean`, `layer1.0.conv1.weight`,
 * ...), `fc.weight` and `fc.bias`, in torch's layouts and in torch's order
 * (module by module, parameters then buffers). Every BatchNorm also gets its
 * `num_batches_tracked` as torch keeps it (an int64 scalar counting the
 * training forwards), so the file loads into torchvision's model with
 * `load_state_dict(strict=True)` and into detlab through
 * `model.backbone.init.checkpoint` (which skips `fc.*` and the counters).
 */
import { renameSync } from 'node:fs';
import { tf, type Tensor } from '../engine/tf.js';
import { BatchNorm2d } from '../nn/batch_norm.js';
import { writeSafetensors } from '../nn/safetensors.js';
import { stateToTorch } from '../nn/torch_layout.js';
import type { BackboneClassifier } from './classifier.js';

/** The torchvision state and the names stored as int64. Tensors in `owned` are new and the caller disposes them. */
export function torchvisionState(model: BackboneClassifier, batchesTracked: number): { state: Map<string, Tensor>; int64: Set<string>; owned: Tensor[] } {
  const backbone = stateToTorch(model.backbone);
  const fc = stateToTorch(model.fc);
  const state = new Map<string, Tensor>();
  const int64 = new Set<string>();
  const live = new Set<Tensor>(model.stateDict().values());
  const owned: Tensor[] = [...backbone.values(), ...fc.values()].filter((t) => !live.has(t));
  for (const [path, m] of model.backbone.namedModules()) {
    const own = [...m.namedParameters(), ...m.namedBuffers()].map(([n]) => n).filter((n) => !n.includes('.'));
    for (const n of own) {
      const full = path === '' ? n : `${path}.${n}`;
      state.set(full, backbone.get(full) as Tensor);
    }
    if (m instanceof BatchNorm2d) {
      const counter = tf.scalar(batchesTracked, 'int32');
      state.set(`${path}.num_batches_tracked`, counter);
      int64.add(`${path}.num_batches_tracked`);
      owned.push(counter);
    }
  }
  for (const [n, t] of fc) state.set(`fc.${n}`, t);
  return { state, int64, owned };
}

/** Writes `path` atomically (a temporary file renamed into place). */
export function writeTorchvisionCheckpoint(path: string, model: BackboneClassifier, batchesTracked: number, metadata: Record<string, string> = {}): void {
  const { state, int64, owned } = torchvisionState(model, batchesTracked);
  try {
    writeSafetensors(`${path}.tmp`, state, { format: 'pt', ...metadata }, { int64 });
    renameSync(`${path}.tmp`, path);
  } finally {
    tf.dispose(owned);
  }
}
