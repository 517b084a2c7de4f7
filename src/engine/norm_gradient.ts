/**
 * The gradient of a fused normalisation kernel (training-mode BatchNorm,
 * GroupNorm): inputs x, gamma, beta; outputs y, mean, variance; one gradient
 * kernel takes x, dy, the statistics, gamma and the gradients reaching the
 * statistics, and gives dx, dgamma and dbeta.
 */
import { tf, type Tensor } from './tf.js';

const registered = new Set<string>();

export function registerNormGradient(kernel: string, gradKernel: string): void {
  if (registered.has(kernel)) return;
  registered.add(kernel);
  tf.registerGradient({
    kernelName: kernel,
    inputsToSave: ['x', 'gamma'],
    outputsToSave: [false, true, true],
    gradFunc: (dys, saved, attrs) => {
      const [dy, dmean, dvariance] = dys as Tensor[];
      const [x, gamma, mean, variance] = saved;
      // One kernel gives all three gradients. It runs here, not in the thunks:
      // tfjs runs each thunk in its own tidy, which would free the other two.
      const [dx, dgamma, dbeta] = tf.engine().runKernel(gradKernel, { x, dy, mean, variance, gamma, dmean, dvariance }, attrs) as Tensor[];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  });
}
