/**
 * Group normalisation (torch `nn.GroupNorm`) of NHWC tensors as one
 * differentiable op. Where the backend has the native addon's fused kernels
 * (forward and backward in two or three passes each, float64 statistics), it
 * runs them; elsewhere it composes tf.moments and elementwise ops: about 20
 * kernels forward and backward, each a pass over the activation, which made
 * GroupNorm most of a GN detector's step on the addon.
 */
import { registerNormGradient } from './norm_gradient.js';
import { tf, type Tensor, type Tensor1D, type Tensor4D } from './tf.js';

export const GROUP_NORM = 'DetlabGroupNorm';
export const GROUP_NORM_GRAD = 'DetlabGroupNormGrad';

/**
 * (x − mean)/√(variance + eps)·gamma + beta, statistics per sample over H, W
 * and each group of C/groups consecutive channels (biased variance). Without
 * gamma and beta, no affine.
 */
export function groupNorm(x: Tensor4D, groups: number, eps: number, gamma?: Tensor1D, beta?: Tensor1D): Tensor4D {
  const [n, h, w, c] = x.shape;
  if (x.dtype === 'float32' && tf.getKernel(GROUP_NORM, tf.getBackend()) && tf.getKernel(GROUP_NORM_GRAD, tf.getBackend())) {
    registerNormGradient(GROUP_NORM, GROUP_NORM_GRAD);
    return tf.tidy(() => {
      const inputs = { x, gamma: gamma ?? tf.ones([c]), beta: beta ?? tf.zeros([c]) };
      return (tf.engine().runKernel(GROUP_NORM, inputs, { groups, eps }) as Tensor[])[0] as Tensor4D;
    });
  }
  const xg = tf.reshape(x, [n, h, w, groups, c / groups]);
  const { mean, variance } = tf.moments(xg, [1, 2, 4], true);
  const y = tf.reshape(tf.mul(tf.sub(xg, mean), tf.rsqrt(tf.add(variance, eps))), [n, h, w, c]) as Tensor4D;
  return gamma !== undefined && beta !== undefined ? tf.add(tf.mul(y, gamma), beta) : y;
}
