/**
 * The SGD the trainer uses (src/train/optimizers/sgd.ts: PyTorch's update, the
 * fused kernel where the backend has it), as the optimizer of the benches'
 * steps: lr 0.01, momentum 0.9, as their PyTorch twins.
 */
import type { Tensor, Variable } from '../src/engine/tf.js';
import type { GradientApplier } from '../src/engine/step.js';
import { Sgd } from '../src/train/optimizers/sgd.js';

export function benchSgd(vars: readonly Variable[]): GradientApplier {
  const sgd = new Sgd([{ name: 'default', params: vars.map((v) => [v.name, v]), lrMult: 1, decayMult: 1 }], {
    lr: 0.01, momentum: 0.9, weightDecay: 0, nesterov: false,
  });
  return {
    applyGradients: (grads) => {
      const byName = Array.isArray(grads) ? grads.map((g): [string, Tensor] => [g.name, g.tensor]) : Object.entries(grads);
      sgd.apply(new Map(byName), 0.01);
    },
  };
}
