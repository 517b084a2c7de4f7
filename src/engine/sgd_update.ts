/**
 * One SGD-with-momentum step of a parameter as one kernel, where the backend
 * has it (the native addon: one pass, where src/train/optimizers/sgd.ts
 * composes up to eight tfjs ops, each a pass over the parameter):
 *   g = grad + wd·p (wd > 0); buf' = m·buf + g; p' = p − lr·(nesterov ? g + m·buf' : buf').
 * Every operation rounds to float32 in that order, so the result is bit for
 * bit that of the ops. Elsewhere the optimizer composes them.
 */
import { tf, type Tensor } from './tf.js';

export const SGD_UPDATE = 'DetlabSgdUpdate';

export interface SgdUpdateAttrs {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

/** [p', buf'], or null when the backend has no such kernel or a tensor is not float32. */
export function fusedSgdStep(p: Tensor, buf: Tensor, grad: Tensor, attrs: SgdUpdateAttrs): [Tensor, Tensor] | null {
  if (![p, buf, grad].every((t) => t.dtype === 'float32') || !tf.getKernel(SGD_UPDATE, tf.getBackend())) return null;
  const out = tf.engine().runKernel(SGD_UPDATE, { p, buf, grad }, { ...attrs }) as Tensor[];
  return [out[0], out[1]];
}
