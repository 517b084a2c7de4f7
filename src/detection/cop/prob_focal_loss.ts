/**
 * Focal loss on probabilities (CoLAD `prob_focal_loss.py`), for heads whose
 * class output is already a probability (COP, IOP):
 *
 *   loss = BCE(p, t) · (α t + (1 − α)(1 − t)) · p_t^γ,  p_t = (1 − p) t + p (1 − t)
 *
 * BCE on probabilities needs clamped logs: torch clamps log at −100; here
 * log(max(p, ε)) and log(max(1 − p, ε)) keep it finite at p = 0 and 1.
 */
import { tf, type Tensor } from '../../engine/tf.js';

/** Elementwise loss of probabilities `[N, C]` against one-hot (or soft) targets. */
export function probFocalLoss(probs: Tensor, targets: Tensor, alpha = 0.25, gamma = 2, eps = 1e-12): Tensor {
  return tf.tidy(() => {
    const logP = tf.log(tf.maximum(probs, eps));
    const log1mP = tf.log(tf.maximum(tf.sub(1, probs), eps));
    const bce = tf.neg(tf.add(tf.mul(targets, logP), tf.mul(tf.sub(1, targets), log1mP)));
    const pt = tf.add(tf.mul(tf.sub(1, probs), targets), tf.mul(probs, tf.sub(1, targets)));
    const alphaT = tf.add(tf.mul(targets, alpha), tf.mul(tf.sub(1, targets), 1 - alpha));
    return tf.mul(bce, tf.mul(alphaT, gamma === 2 ? tf.square(pt) : tf.pow(pt, gamma)));
  });
}
