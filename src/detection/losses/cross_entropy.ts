/** Cross-entropy terms on logits, in their numerically stable forms. */
import { tf, type Tensor } from '../../engine/tf.js';

/** Elementwise BCE on logits: max(x, 0) − x·t + log(1 + e^{−|x|}). */
export function bceWithLogits(logits: Tensor, targets: Tensor): Tensor {
  return tf.tidy(() => tf.add(tf.sub(tf.relu(logits), tf.mul(logits, targets)), tf.log1p(tf.exp(tf.neg(tf.abs(logits))))));
}

/** Softmax cross-entropy of logits `[N, C]` against one-hot / soft targets `[N, C]`, per sample `[N, 1]`. */
export function softmaxCrossEntropy(logits: Tensor, targets: Tensor): Tensor {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1, true)));
}
