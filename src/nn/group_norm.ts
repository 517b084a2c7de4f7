/**
 * GroupNorm over NHWC tensors (torch `nn.GroupNorm`, eps 1e-5): statistics per
 * sample and group of C/G consecutive channels, biased variance, then a
 * per-channel affine (`weight` 1, `bias` 0 at init).
 */
import { ComponentError } from '../config/errors.js';
import { groupNorm } from '../engine/group_norm.js';
import { tf, type Tensor1D, type Tensor4D, type Variable } from '../engine/tf.js';
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
      throw new ComponentError(`GroupNorm: ${numChannels} channels cannot be split into ${numGroups} groups`);
    }
    this.eps = opts.eps ?? 1e-5;
    if (opts.affine ?? true) {
      this.weight = this.param('weight', tf.ones([numChannels]));
      this.bias = this.param('bias', tf.zeros([numChannels]));
    }
  }

  forward(x: Tensor4D): Tensor4D {
    if (x.shape[3] !== this.numChannels) {
      throw new Error(`GroupNorm expects ${this.numChannels} channels (NHWC), got shape [${x.shape.join(', ')}]`);
    }
    if (tracingShapesOnly()) {
      recordFlops(this, 'norm', x.size, x.shape, x.shape);
      return x;
    }
    const y = groupNorm(x, this.numGroups, this.eps, this.weight as Tensor1D | undefined, this.bias as Tensor1D | undefined);
    recordFlops(this, 'norm', y.size, x.shape, y.shape);
    return y;
  }
}
