/**
 * GroupNorm over NHWC tensors (torch `nn.GroupNorm`, eps 1e-5): statistics per
 * sample and group of C/G consecutive channels, biased variance, then a
 * per-channel affine (`weight` 1, `bias` 0 at init).
 */
import { tf, type Tensor4D, type Variable } from '../engine/tf.js';
import { recordFlops, tracingShapesOnly } from './flop_recorder.js';
import { Module } from './module.js';

export interface GroupNormOptions {
  eps?: number;
  affine?: boolean;
}

export class GroupNorm extends Module {
  readonly weight?: Variable;
  readonly bias?: Variable;
  readonly eps: number;

  constructor(readonly numGroups: number, readonly numChannels: number, opts: GroupNormOptions = {}) {
    super();
    if (!Number.isInteger(numGroups) || numGroups < 1 || numChannels % numGroups !== 0) {
      throw new Error(`GroupNorm: ${numChannels} channels cannot be split into ${numGroups} groups`);
    }
    this.eps = opts.eps ?? 1e-5;
    if (opts.affine ?? true) {
      this.weight = this.param('weight', tf.ones([numChannels]));
      this.bias = this.param('bias', tf.zeros([numChannels]));
    }
  }

  forward(x: Tensor4D): Tensor4D {
    const [n, h, w, c] = x.shape;
    if (c !== this.numChannels) {
      throw new Error(`GroupNorm expects ${this.numChannels} channels (NHWC), got shape [${x.shape.join(', ')}]`);
    }
    if (tracingShapesOnly()) {
      recordFlops(this, 'norm', x.size, x.shape, x.shape);
      return x;
    }
    const g = this.numGroups;
    const xg = tf.reshape(x, [n, h, w, g, c / g]);
    const { mean, variance } = tf.moments(xg, [1, 2, 4], true);
    let y = tf.reshape(tf.mul(tf.sub(xg, mean), tf.rsqrt(tf.add(variance, this.eps))), [n, h, w, c]) as Tensor4D;
    if (this.weight !== undefined && this.bias !== undefined) y = tf.add(tf.mul(y, this.weight), this.bias);
    recordFlops(this, 'norm', y.size, x.shape, y.shape);
    return y;
  }
}
