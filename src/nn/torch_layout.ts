/**
 * Mapping between detlab's tensor layouts and PyTorch's, by parameter name.
 *
 * Names in a detlab module tree equal torch's, so a torchvision state dict is
 * a plain name map; only some layers store a tensor in another layout (Conv2d:
 * HWIO vs OIHW). Such a layer implements `TorchLayout` for its own members.
 */
import type { Tensor } from '../engine/tf.js';
import { Module } from './module.js';

export interface TorchLayout {
  /** Converts torch's tensor for own member `name` to detlab's layout (a new tensor or `t` itself). */
  fromTorch(name: string, t: Tensor): Tensor;
  /** The inverse of `fromTorch`. */
  toTorch(name: string, t: Tensor): Tensor;
}

function hasTorchLayout(m: Module): m is Module & TorchLayout {
  return typeof (m as Partial<TorchLayout>).fromTorch === 'function' && typeof (m as Partial<TorchLayout>).toTorch === 'function';
}

/** Maps every full dotted name of `root`'s state to the module owning it and the member name. */
function owners(root: Module): Map<string, [Module, string]> {
  const out = new Map<string, [Module, string]>();
  for (const [path, m] of root.namedModules()) {
    const own = new Set([...m.namedParameters(), ...m.namedBuffers()].map(([n]) => n).filter((n) => !n.includes('.')));
    for (const n of own) out.set(path === '' ? n : `${path}.${n}`, [m, n]);
  }
  return out;
}

/**
 * Converts a torch-layout state (e.g. read from a torchvision safetensors
 * file) to `root`'s layouts. Names `root` does not own pass through unchanged,
 * so `loadStateDict` can report them. The caller owns the returned tensors
 * (converted ones are new; the others are the given tensors).
 */
export function stateFromTorch(root: Module, state: Map<string, Tensor>): Map<string, Tensor> {
  const own = owners(root);
  const out = new Map<string, Tensor>();
  for (const [k, t] of state) {
    const o = own.get(k);
    out.set(k, o !== undefined && hasTorchLayout(o[0]) ? o[0].fromTorch(o[1], t) : t);
  }
  return out;
}

/** `root`'s state in torch layouts (new tensors where a layout differs, else the live variables). */
export function stateToTorch(root: Module): Map<string, Tensor> {
  const own = owners(root);
  const out = new Map<string, Tensor>();
  for (const [k, v] of root.stateDict()) {
    const o = own.get(k);
    out.set(k, o !== undefined && hasTorchLayout(o[0]) ? o[0].toTorch(o[1], v) : v);
  }
  return out;
}
