/**
 * The distance losses of LabelEnc and LGD: both sides normalised without an
 * affine, the target detached, squared errors averaged over every element of
 * every level together (so large levels weigh by their element count, as the
 * official `F.mse_loss` on concatenated levels does).
 */
import { tf, type Scalar, type Tensor4D } from '../engine/tf.js';
import { stopGradient } from '../nn/grad.js';

const EPS = 1e-5;

/** GroupNorm(1, affine=False): per sample over (H, W, C) jointly. */
export function groupNorm1(x: Tensor4D): Tensor4D {
  const { mean, variance } = tf.moments(x, [1, 2, 3], true);
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPS)));
}

/** InstanceNorm2d(affine=False): per sample and channel over (H, W). */
export function instanceNorm(x: Tensor4D): Tensor4D {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPS)));
}

export type FeatureNorm = (x: Tensor4D) => Tensor4D;

/**
 * mean((norm(student_l) − norm(sg(target_l)))²) over all levels concatenated.
 * No gradient reaches `targets`.
 */
export function normalizedMse(students: readonly Tensor4D[], targets: readonly Tensor4D[], norm: FeatureNorm): Scalar {
  if (students.length !== targets.length) throw new Error(`distance loss: ${students.length} student levels but ${targets.length} target levels`);
  let sum: Scalar = tf.scalar(0);
  let count = 0;
  students.forEach((s, l) => {
    const t = targets[l];
    if (s.shape.some((d, i) => d !== t.shape[i])) throw new Error(`distance loss: level ${l} student [${s.shape.join(', ')}] vs target [${t.shape.join(', ')}]`);
    sum = tf.add(sum, tf.sum(tf.squaredDifference(norm(s), norm(stopGradient(t)))));
    count += s.size;
  });
  return tf.div(sum, count);
}
