/**
 * IoU-based box losses on aligned `[N, 4]` boxes `[x1, y1, x2, y2]`, per box
 * `[N, 1]`, with mmdet's ε = 1e-6 as the floor of every denominator.
 */
import { tf, type Tensor } from '../../engine/tf.js';

export type IoULossMode = 'linear' | 'square' | 'log';

interface Geometry {
  ious: Tensor;
  union: Tensor;
  enclose: Tensor;
}

function geometry(pred: Tensor, target: Tensor, eps: number): Geometry {
  const [px1, py1, px2, py2] = tf.split(pred, 4, -1);
  const [tx1, ty1, tx2, ty2] = tf.split(target, 4, -1);
  const areaP = tf.mul(tf.sub(px2, px1), tf.sub(py2, py1));
  const areaT = tf.mul(tf.sub(tx2, tx1), tf.sub(ty2, ty1));
  const iw = tf.relu(tf.sub(tf.minimum(px2, tx2), tf.maximum(px1, tx1)));
  const ih = tf.relu(tf.sub(tf.minimum(py2, ty2), tf.maximum(py1, ty1)));
  const inter = tf.mul(iw, ih);
  const union = tf.maximum(tf.sub(tf.add(areaP, areaT), inter), eps);
  const ew = tf.relu(tf.sub(tf.maximum(px2, tx2), tf.minimum(px1, tx1)));
  const eh = tf.relu(tf.sub(tf.maximum(py2, ty2), tf.minimum(py1, ty1)));
  return { ious: tf.div(inter, union), union, enclose: tf.maximum(tf.mul(ew, eh), eps) };
}

/** Differentiable aligned IoU `[N, 1]`. */
export function alignedIoUTensor(pred: Tensor, target: Tensor, eps = 1e-6): Tensor {
  return tf.tidy(() => geometry(pred, target, eps).ious);
}

/** mmdet IoULoss: 'linear' 1 − IoU, 'square' 1 − IoU², 'log' −log(max(IoU, ε)). */
export function iouLoss(pred: Tensor, target: Tensor, mode: IoULossMode = 'log', eps = 1e-6): Tensor {
  return tf.tidy(() => {
    const ious = tf.maximum(geometry(pred, target, eps).ious, eps);
    if (mode === 'linear') return tf.sub(1, ious);
    if (mode === 'square') return tf.sub(1, tf.square(ious));
    return tf.neg(tf.log(ious));
  });
}

/** 1 − GIoU (Rezatofighi et al., CVPR 2019). */
export function giouLoss(pred: Tensor, target: Tensor, eps = 1e-6): Tensor {
  return tf.tidy(() => {
    const { ious, union, enclose } = geometry(pred, target, eps);
    const gious = tf.sub(ious, tf.div(tf.sub(enclose, union), enclose));
    return tf.sub(1, gious);
  });
}
