/**
 * BatchNorm2d over the channel axis of NHWC tensors, with torch's semantics.
 *
 * Modes:
 * - `train`: follows `training`; in training it normalises with the batch
 *   statistics (biased variance) and updates the running statistics with
 *   momentum 0.1 using the unbiased variance, as torch does; in eval it uses
 *   the running statistics.
 * - `eval`: always the running statistics, affine trainable (mmdet `norm_eval`).
 * - `frozen`: always the running statistics, affine not trainable
 *   (torchvision's FrozenBatchNorm2d; its members keep torch's names).
 */
import { tf, type Tensor, type Tensor1D, type Tensor4D, type Variable } from '../engine/tf.js';
import { batchNormTrain } from '../engine/batch_norm.js';
import { recordFlops, tracingShapesOnly } from './flop_recorder.js';
import { stopGradient } from './grad.js';
import { Module } from './module.js';

export type BatchNormMode = 'train' | 'eval' | 'frozen';

export interface BatchNormOptions {
  eps?: number;
  /** Weight of the new batch statistic in the running average (torch: 0.1). */
  momentum?: number;
  mode?: BatchNormMode;
}

export class BatchNorm2d extends Module {
  readonly weight: Variable;
  readonly bias: Variable;
  readonly runningMean: Variable;
  readonly runningVar: Variable;
  readonly eps: number;
  readonly momentum: number;
  private normMode: BatchNormMode;

  constructor(readonly numFeatures: number, opts: BatchNormOptions = {}) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    this.weight = this.param('weight', tf.ones([numFeatures]));
    this.bias = this.param('bias', tf.zeros([numFeatures]));
    this.runningMean = this.buffer('running_mean', tf.zeros([numFeatures]));
    this.runningVar = this.buffer('running_var', tf.ones([numFeatures]));
    this.normMode = 'train';
    this.setMode(opts.mode ?? 'train');
  }

  get mode(): BatchNormMode {
    return this.normMode;
  }

  /** Switches mode; `frozen` marks the affine parameters non-trainable, the others trainable. */
  setMode(mode: BatchNormMode): this {
    this.normMode = mode;
    this.setTrainable(mode !== 'frozen');
    return this;
  }

  /** Whether this forward normalises with batch statistics. */
  get usesBatchStats(): boolean {
    return this.normMode === 'train' && this.training;
  }

  forward(x: Tensor4D): Tensor4D {
    if (x.shape[3] !== this.numFeatures) {
      throw new Error(`BatchNorm2d expects ${this.numFeatures} channels (NHWC), got shape [${x.shape.join(', ')}]`);
    }
    if (tracingShapesOnly()) {
      recordFlops(this, 'norm', x.size, x.shape, x.shape);
      return x;
    }
    if (this.usesBatchStats) {
      // One fused kernel pair (forward statistics + normalisation, and its gradient) on the wasm engine.
      const { y, mean, variance } = batchNormTrain(x, this.weight as Tensor1D, this.bias as Tensor1D, this.eps);
      this.updateRunningStats(mean, variance, x.size / this.numFeatures);
      recordFlops(this, 'norm', y.size, x.shape, y.shape);
      return y;
    }
    // y = x * scale + shift with per-channel scale = w / sqrt(var + eps): two full-size ops.
    const scale = tf.mul(this.weight, tf.rsqrt(tf.add(this.runningVar, this.eps)));
    const shift = tf.sub(this.bias, tf.mul(this.runningMean, scale));
    const y = tf.add(tf.mul(x, scale), shift) as Tensor4D;
    recordFlops(this, 'norm', y.size, x.shape, y.shape);
    return y;
  }

  private updateRunningStats(mean: Tensor, variance: Tensor, count: number): void {
    if (count < 2) throw new Error(`BatchNorm2d needs more than one value per channel in training, got input with ${count}`);
    const m = this.momentum;
    tf.tidy(() => {
      const unbiased = tf.mul(stopGradient(variance), count / (count - 1));
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(stopGradient(mean), m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
    });
  }
}
