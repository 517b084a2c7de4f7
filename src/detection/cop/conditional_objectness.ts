/**
 * COP's score (Nguyen et al., WACV 2022, App., Eq. 1; CoLAD `paa_cop_head.py`):
 *
 *   p(a) = 1/9 Σ_k σ(logit_k) · σ(coef_k)
 *
 * over the 3×3 neighbourhood k of location a (row-major, k = 3·dy + dx as
 * torch's Unfold), with the 9 coefficients predicted at a and shared by all
 * classes (and anchors). The official code zero-pads the LOGITS before the
 * sigmoid, so neighbours outside the map count σ(0) = 0.5 ('half', kept on
 * purpose) for every class, a floor under each border location's score;
 * 'zero' makes them count 0 (no floor, but border scores shrink by up to
 * 5/9); 'replicate' makes them count the nearest location inside the map
 * (no floor, every term a real score).
 */
import { tf, type Tensor4D } from '../../engine/tf.js';

export const COP_BORDERS = ['half', 'zero', 'replicate'] as const;
export type CopBorder = (typeof COP_BORDERS)[number];

/** `logits` `[B, H, W, K]`, `coef` `[B, H, W, 9]` → probabilities `[B, H, W, K]`. */
export function conditionalObjectness(logits: Tensor4D, coef: Tensor4D, border: CopBorder = 'half'): Tensor4D {
  const [, h, w] = logits.shape;
  if (coef.shape[3] !== 9 || coef.shape[1] !== h || coef.shape[2] !== w) {
    throw new Error(`conditionalObjectness: coefficients must be [B, ${h}, ${w}, 9], got [${coef.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const pad: [number, number][] = [[0, 0], [1, 1], [1, 1], [0, 0]];
    const probs = border === 'half' ? tf.sigmoid(tf.pad(logits, pad)) : border === 'zero' ? tf.pad(tf.sigmoid(logits), pad) : tf.sigmoid(replicatePad1(logits));
    const obj = tf.sigmoid(coef);
    const terms: Tensor4D[] = [];
    for (let dy = 0; dy < 3; dy++) {
      for (let dx = 0; dx < 3; dx++) {
        const k = 3 * dy + dx;
        const nbr = tf.slice(probs, [0, dy, dx, 0], [-1, h, w, -1]);
        terms.push(tf.mul(nbr, tf.slice(obj, [0, 0, 0, k], [-1, -1, -1, 1])));
      }
    }
    return tf.div(tf.addN(terms), 9) as Tensor4D;
  });
}

/** One row and column of edge copies on each side of H and W (torch's ReplicationPad2d(1)). */
function replicatePad1(x: Tensor4D): Tensor4D {
  const [, h, w] = x.shape;
  const rows = tf.concat([tf.slice(x, [0, 0, 0, 0], [-1, 1, -1, -1]), x, tf.slice(x, [0, h - 1, 0, 0], [-1, 1, -1, -1])], 1);
  return tf.concat([tf.slice(rows, [0, 0, 0, 0], [-1, -1, 1, -1]), rows, tf.slice(rows, [0, 0, w - 1, 0], [-1, -1, 1, -1])], 2);
}

/**
 * IOP, the implicit-objectness baseline of Table 1 as the official
 * `paaio_head.py`: p = ReLU(σ(cls) − σ(obj_bias)) · σ(obj), a subtractive
 * per-location threshold rather than AutoAssign's plain product.
 */
export function implicitObjectness(logits: Tensor4D, obj: Tensor4D, objBias: Tensor4D): Tensor4D {
  return tf.tidy(() => tf.mul(tf.relu(tf.sub(tf.sigmoid(logits), tf.sigmoid(objBias))), tf.sigmoid(obj)) as Tensor4D);
}
