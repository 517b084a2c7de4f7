/**
 * The loss contract shared by heads and registry wrappers (mmdet's shape):
 * a plain elementwise function, plus a weight and a reduction. With
 * `avgFactor` the reduced loss is `Σ loss·w / avgFactor` (mmdet's
 * `weight_reduce_loss`), otherwise the mean or the sum.
 */
import { tf, type Scalar, type Tensor } from '../../engine/tf.js';

export type Reduction = 'mean' | 'sum';

export interface CallOptions {
  /** Broadcastable to the elementwise loss (per sample `[N, 1]` or elementwise). */
  weight?: Tensor;
  avgFactor?: number;
}

export interface Loss {
  readonly name: string;
  readonly lossWeight: number;
  /** Weighted, reduced loss of `pred` against `target` (shapes as each loss documents). */
  compute(pred: Tensor, target: Tensor, options?: CallOptions): Scalar;
  /** The unreduced loss times `lossWeight` (mmdet's `reduction_override='none'`), e.g. for assignment costs. */
  elementwise(pred: Tensor, target: Tensor): Tensor;
}

/** mmdet's weight_reduce_loss. */
export function weightReduce(loss: Tensor, reduction: Reduction, options: CallOptions = {}): Scalar {
  return tf.tidy(() => {
    const weighted = options.weight === undefined ? loss : tf.mul(loss, options.weight);
    if (options.avgFactor !== undefined) {
      if (reduction !== 'mean') throw new Error(`avgFactor needs reduction 'mean', got '${reduction}'`);
      return tf.div(tf.sum(weighted), options.avgFactor) as Scalar;
    }
    return (reduction === 'mean' ? tf.mean(weighted) : tf.sum(weighted)) as Scalar;
  });
}

/** A Loss from an elementwise function. */
export function makeLoss(name: string, lossWeight: number, reduction: Reduction, elementwise: (pred: Tensor, target: Tensor) => Tensor): Loss {
  return {
    name,
    lossWeight,
    compute(pred, target, options) {
      return tf.tidy(() => tf.mul(weightReduce(elementwise(pred, target), reduction, options), lossWeight) as Scalar);
    },
    elementwise(pred, target) {
      return tf.tidy(() => tf.mul(elementwise(pred, target), lossWeight));
    },
  };
}
