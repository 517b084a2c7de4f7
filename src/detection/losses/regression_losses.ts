/** Elementwise coordinate losses on `[N, 4]` (or any matching shapes). */
import { tf, type Tensor } from '../../engine/tf.js';

export function l1Loss(pred: Tensor, target: Tensor): Tensor {
  return tf.tidy(() => tf.abs(tf.sub(pred, target)));
}

/** Smooth L1 with transition `beta` (mmdet default 1.0): 0.5 d²/β below β, d − 0.5β above. */
export function smoothL1Loss(pred: Tensor, target: Tensor, beta = 1.0): Tensor {
  if (!(beta > 0)) return l1Loss(pred, target);
  return tf.tidy(() => {
    const d = tf.abs(tf.sub(pred, target));
    return tf.where(tf.less(d, beta), tf.div(tf.mul(tf.square(d), 0.5), beta), tf.sub(d, 0.5 * beta));
  });
}
