/**
 * Fully connected layer on the last axis, torch layout and init:
 * `weight` is `[out, in]` (so torch tensors load as they are), y = x Wᵀ + b,
 * weight kaiming_uniform(a = sqrt(5)), bias U(-1/sqrt(in), 1/sqrt(in)).
 */
import { tf, type Tensor, type Tensor2D, type Variable } from '../engine/tf.js';
import { recordFlops } from './flop_recorder.js';
import { kaimingUniform, uniform } from './init.js';
import { Module } from './module.js';

export class Linear extends Module {
  readonly weight: Variable;
  readonly bias?: Variable;

  constructor(readonly inFeatures: number, readonly outFeatures: number, opts: { bias?: boolean } = {}) {
    super();
    this.weight = this.param('weight', kaimingUniform([outFeatures, inFeatures], { fan: inFeatures, a: Math.sqrt(5) }));
    if (opts.bias ?? true) {
      const bound = 1 / Math.sqrt(inFeatures);
      this.bias = this.param('bias', uniform([outFeatures], -bound, bound));
    }
  }

  forward<T extends Tensor>(x: T): T {
    const inF = x.shape[x.rank - 1];
    if (inF !== this.inFeatures) {
      throw new Error(`Linear expects ${this.inFeatures} features on the last axis, got shape [${x.shape.join(', ')}]`);
    }
    const lead = x.shape.slice(0, -1);
    const x2 = tf.reshape(x, [-1, inF]) as Tensor2D;
    let y: Tensor = tf.matMul(x2, this.weight as Tensor2D, false, true);
    if (this.bias !== undefined) y = tf.add(y, this.bias);
    const out = tf.reshape(y, [...lead, this.outFeatures]);
    recordFlops(this, 'linear', x2.shape[0] * inF * this.outFeatures, x.shape, out.shape);
    return out as T;
  }
}
