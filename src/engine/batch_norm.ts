/**
 * Training-mode batch normalisation as one differentiable op. On the wasm
 * backend it runs the fused kernels of the pack (forward and backward in a few
 * passes each); elsewhere it composes tf.moments and tf.batchNorm, which give
 * the same values and gradients.
 */
import { tf } from './tf.js';
import type { Tensor, Tensor1D } from './tf.js';
import { registerNormGradient } from './norm_gradient.js';
import { BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD } from './wasm/kernels/batch_norm_train.js';

export interface BatchNormTrainResult<T extends Tensor> {
  /** (x − mean)/√(variance + ε)·γ + β. */
  y: T;
  /** Per-channel batch mean. */
  mean: Tensor1D;
  /** Per-channel biased batch variance (as tf.moments). */
  variance: Tensor1D;
}

/**
 * Normalises x ([..., C], statistics over every axis but the last) with its
 * own batch statistics. Gradients flow to x, gamma and beta, and through the
 * returned mean and variance when they are used.
 */
export function batchNormTrain<T extends Tensor>(x: T, gamma: Tensor1D, beta: Tensor1D, varianceEpsilon: number): BatchNormTrainResult<T> {
  const channels = x.shape[x.rank - 1];
  if (gamma.size !== channels || beta.size !== channels) {
    throw new Error(`batchNormTrain: gamma and beta need ${channels} values (last axis of x [${x.shape.join(', ')}]), got ${gamma.size} and ${beta.size}`);
  }
  if (x.dtype === 'float32' && tf.getKernel(BATCH_NORM_TRAIN, tf.getBackend()) && tf.getKernel(BATCH_NORM_TRAIN_GRAD, tf.getBackend())) {
    registerNormGradient(BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD);
    const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x, gamma, beta }, { varianceEpsilon }) as Tensor[];
    return { y: y as T, mean: mean as Tensor1D, variance: variance as Tensor1D };
  }
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const y = tf.batchNorm(x, mean, variance, beta, gamma, varianceEpsilon) as T;
  return { y, mean: mean as Tensor1D, variance: variance as Tensor1D };
}
