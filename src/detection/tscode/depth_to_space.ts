/**
 * Depth-to-space with block 2 on NHWC tensors (TSCODE Eq. 4).
 *
 * Channel order: the prediction for child (i, j) of location (x, y), class
 * channel c (of K), sits at input channel (2i + j)·K + c and lands at
 * output (2x + i, 2y + j), channel c; x and i index rows, y and j columns.
 * This is tf.depthToSpace's DCR order; it is written as reshape/transpose so
 * that every backend has its gradient. The paper prints the index garbled;
 * any fixed order is equivalent up to a permutation of learned weights.
 */
import { tf, type Tensor4D } from '../../engine/tf.js';

/** `[B, H, W, 4K]` → `[B, 2H, 2W, K]`. */
export function depthToSpace2(x: Tensor4D): Tensor4D {
  const [b, h, w, c] = x.shape;
  if (c % 4 !== 0) throw new Error(`depthToSpace2: channels (${c}) must be a multiple of 4`);
  const k = c / 4;
  return tf.tidy(() => {
    const blocks = tf.reshape(x, [b, h, w, 2, 2, k]);
    return tf.reshape(tf.transpose(blocks, [0, 1, 3, 2, 4, 5]), [b, 2 * h, 2 * w, k]) as Tensor4D;
  });
}

/** The top-left `[h, w]` of `x` (a 2× upsampled map of an odd-sized level is one pixel larger). */
export function cropTo(x: Tensor4D, h: number, w: number): Tensor4D {
  const [, xh, xw] = x.shape;
  if (xh < h || xw < w) throw new Error(`cropTo: map ${xh}x${xw} is smaller than ${h}x${w}`);
  return xh === h && xw === w ? x : tf.slice(x, [0, 0, 0, 0], [-1, h, w, -1]);
}
