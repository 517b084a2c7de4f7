/**
 * Gradient clipping over one optimizer's gradients: element-wise by value
 * (Detectron2 CLIP_TYPE "value", what LGD trains with) or by the global norm
 * of all of them together (PyTorch `clip_grad_norm_`, MMDetection's
 * `grad_clip`). Returns new tensors; the caller disposes the inputs.
 */
import { ComponentError } from '../config/errors.js';
import { tf, type Tensor } from '../engine/tf.js';

export type GradClip = { type: 'none' } | { type: 'value'; value: number } | { type: 'norm'; maxNorm: number; normType: number };

export function clipGradients(grads: Map<string, Tensor>, clip: GradClip): { grads: Map<string, Tensor>; norm?: number } {
  if (clip.type === 'none' || grads.size === 0) return { grads: new Map([...grads].map(([k, g]) => [k, g.clone()])) };
  if (clip.type === 'value') {
    if (!(clip.value > 0)) throw new ComponentError(`grad_clip.value must be > 0, got ${clip.value}`);
    return { grads: new Map([...grads].map(([k, g]) => [k, tf.clipByValue(g, -clip.value, clip.value)])) };
  }
  if (!(clip.maxNorm > 0)) throw new ComponentError(`grad_clip.max_norm must be > 0, got ${clip.maxNorm}`);
  const p = clip.normType;
  const total = tf.tidy(() => {
    const parts = [...grads.values()].map((g) =>
      p === Infinity ? tf.max(tf.abs(g)) : tf.sum(tf.pow(tf.abs(g), p)),
    );
    const stacked = tf.stack(parts);
    return p === Infinity ? tf.max(stacked) : tf.pow(tf.sum(stacked), 1 / p);
  });
  const norm = total.dataSync()[0];
  total.dispose();
  // As torch: scale by max_norm / (norm + 1e-6), only when that is below 1.
  const coef = clip.maxNorm / (norm + 1e-6);
  const scaled = new Map([...grads].map(([k, g]) => [k, coef < 1 ? tf.mul(g, coef) : g.clone()]));
  return { grads: scaled, norm };
}
