/**
 * LayerNorm over the last (channel) axis, as torch `nn.LayerNorm(C)` on
 * channel-last tensors: biased variance, eps 1e-5, per-channel affine.
 */
import { tf, type Tensor, type Variable } from '../engine/tf.js';
import { recordFlops, tracingShapesOnly } from './flop_recorder.js';
import { Module } from './module.js';

export interface LayerNormOptions {
  eps?: number;
  affine?: boolean;
}

export class LayerNorm extends Module {
  readonly weight?: Variable;
  readonly bias?: Variable;
  readonly eps: number;

  constructor(readonly numChannels: number, opts: LayerNormOptions = {}) {
    super();
    this.eps = opts.eps ?? 1e-5;
    if (opts.affine ?? true) {
      this.weight = this.param('weight', tf.ones([numChannels]));
      this.bias = this.param('bias', tf.zeros([numChannels]));
    }
  }

  forward<T extends Tensor>(x: T): T {
    const c = x.shape[x.rank - 1];
    if (c !== this.numChannels) {
      throw new Error(`LayerNorm expects ${this.numChannels} channels on the last axis, got shape [${x.shape.join(', ')}]`);
    }
    if (tracingShapesOnly()) {
      recordFlops(this, 'norm', x.size, x.shape, x.shape);
      return x;
    }
    const { mean, variance } = tf.moments(x, [x.rank - 1], true);
    let y: Tensor = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
    if (this.weight !== undefined && this.bias !== undefined) y = tf.add(tf.mul(y, this.weight), this.bias);
    recordFlops(this, 'norm', y.size, x.shape, y.shape);
    return y as T;
  }
}
