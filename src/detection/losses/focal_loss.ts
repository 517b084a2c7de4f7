/**
 * Sigmoid focal loss (Lin et al., ICCV 2017, Eq. 5) as mmdet's
 * `py_sigmoid_focal_loss`: BCE(x, t) · (α t + (1 − α)(1 − t)) · p_t^γ with
 * p_t = (1 − p) t + p (1 − t) the probability of the wrong answer. The focal
 * factor is not detached, so its gradient flows as in the CUDA kernel.
 */
import { tf, type Tensor } from '../../engine/tf.js';
import { bceWithLogits } from './cross_entropy.js';

/** Elementwise loss of logits `[N, C]` against one-hot (or soft) targets `[N, C]`. */
export function sigmoidFocalLoss(logits: Tensor, targets: Tensor, alpha = 0.25, gamma = 2): Tensor {
  return tf.tidy(() => {
    const p = tf.sigmoid(logits);
    const pt = tf.add(tf.mul(tf.sub(1, p), targets), tf.mul(p, tf.sub(1, targets)));
    const alphaT = tf.add(tf.mul(targets, alpha), tf.mul(tf.sub(1, targets), 1 - alpha));
    const focal = gamma === 2 ? tf.square(pt) : tf.pow(pt, gamma);
    return tf.mul(bceWithLogits(logits, targets), tf.mul(alphaT, focal));
  });
}
