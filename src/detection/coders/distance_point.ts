/**
 * mmdet's DistancePointBBoxCoder (FCOS): a box seen from a point as its
 * distances `(left, top, right, bottom)` to the four sides.
 */
import { tf, type Tensor2D } from '../../engine/tf.js';
import { clipBoxes } from './delta_xywh.js';

/** Distances from `points` (`[x, y]` packed by two) to aligned `boxes`. */
export function encodeDistances(points: Float32Array, boxes: Float32Array): Float32Array {
  if (points.length * 2 !== boxes.length) throw new Error(`encodeDistances: ${points.length / 2} points vs ${boxes.length / 4} boxes`);
  const out = new Float32Array(boxes.length);
  for (let i = 0; i < points.length / 2; i++) {
    const x = points[2 * i], y = points[2 * i + 1];
    out[4 * i] = x - boxes[4 * i];
    out[4 * i + 1] = y - boxes[4 * i + 1];
    out[4 * i + 2] = boxes[4 * i + 2] - x;
    out[4 * i + 3] = boxes[4 * i + 3] - y;
  }
  return out;
}

/** Boxes from distances on the CPU, clipped to `maxShape` `[h, w]` when given. */
export function decodeDistances(points: Float32Array, distances: Float32Array, maxShape?: readonly [number, number]): Float32Array {
  if (points.length * 2 !== distances.length) throw new Error(`decodeDistances: ${points.length / 2} points vs ${distances.length / 4} distances`);
  const out = new Float32Array(distances.length);
  for (let i = 0; i < points.length / 2; i++) {
    const x = points[2 * i], y = points[2 * i + 1];
    out[4 * i] = x - distances[4 * i];
    out[4 * i + 1] = y - distances[4 * i + 1];
    out[4 * i + 2] = x + distances[4 * i + 2];
    out[4 * i + 3] = y + distances[4 * i + 3];
  }
  if (maxShape !== undefined) clipBoxes(out, maxShape);
  return out;
}

/** Differentiable decode of `[N, 4]` distances from constant `[N, 2]` points. */
export function decodeDistancesTensor(points: Tensor2D, distances: Tensor2D): Tensor2D {
  return tf.tidy(() => {
    const [l, t, r, b] = tf.split(distances, 4, 1);
    const [x, y] = tf.split(points, 2, 1);
    return tf.concat([tf.sub(x, l), tf.sub(y, t), tf.add(x, r), tf.add(y, b)], 1) as Tensor2D;
  });
}
