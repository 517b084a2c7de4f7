/**
 * PixelContrast's losses (paper Eqs. 4–5) on flattened features. Every
 * feature is L2-normalised along channels. An anchor is an online cell with at
 * least one positive (so it lies in the intersection of the two crops); each
 * loss is the mean of its per-anchor value over the anchors of the batch, and
 * zero (still connected to the inputs) when there is none.
 *
 * Shapes: online `[N, I, C]`, momentum `[N, J, C]`, masks `[N, I, J]` (0/1).
 */
import { tf, type Scalar, type Tensor, type Tensor3D } from '../../engine/tf.js';

function l2normalize(x: Tensor3D): Tensor3D {
  return tf.div(x, tf.maximum(tf.norm(x, 'euclidean', -1, true), 1e-12)) as Tensor3D;
}

function similarity(a: Tensor3D, b: Tensor3D): Tensor3D {
  return tf.matMul(l2normalize(a), l2normalize(b), false, true);
}

/** Mean over anchors of `Σ_j positive·perPair / |P_i|`. */
function anchorMean(perPair: Tensor, positive: Tensor3D): Scalar {
  const count = tf.sum(positive, -1); // |P_i|
  const isAnchor = tf.cast(tf.greater(count, 0), 'float32');
  const perAnchor = tf.div(tf.sum(tf.mul(perPair, positive), -1), tf.maximum(count, 1));
  return tf.div(tf.sum(tf.mul(perAnchor, isAnchor)), tf.maximum(tf.sum(isAnchor), 1)) as Scalar;
}

/**
 * Eq. 4: `L_NCE^i = −1/|P_i| Σ_{i+} log( e^{s(i,i+)/τ} / (e^{s(i,i+)/τ} + Σ_{j−∈N_i} e^{s(i,j−)/τ}) )`,
 * between Γ (online, before the transformer) and Ψ (momentum). Negatives are the other valid cells of
 * the momentum view (no memory bank). Logits are bounded by 1/τ, so the exponentials need no shift.
 */
export function nceLoss(online: Tensor3D, momentum: Tensor3D, positive: Tensor3D, negative: Tensor3D, tau: number): Scalar {
  return tf.tidy(() => {
    const logits = tf.div(similarity(online, momentum), tau);
    const negSum = tf.sum(tf.mul(tf.exp(logits), negative), -1, true);
    const perPair = tf.sub(tf.log(tf.add(tf.exp(logits), negSum)), logits);
    return anchorMean(perPair, positive);
  });
}

/** Eq. 5: `L_Cos^i = −1/|P_i| Σ_{i+} γ_i·Ψ_{i+}`, between γ (transformer-encoder output) and Ψ. */
export function cosineLoss(encoded: Tensor3D, momentum: Tensor3D, positive: Tensor3D): Scalar {
  return tf.tidy(() => anchorMean(tf.neg(similarity(encoded, momentum)), positive));
}
