/**
 * mmdet's DeltaXYWHBBoxCoder: a box relative to its anchor as
 * `((gx − px)/pw, (gy − py)/ph, log(gw/pw), log(gh/ph))`, normalised by
 * `(δ − means) / stds`. Widths carry no +1 (mmdet ≥ 2.0).
 */
import { ComponentError } from '../../config/errors.js';
import { tf, type Tensor2D } from '../../engine/tf.js';

/** mmdet clamps decoded log-scales to |log(16/1000)| so exp() cannot overflow. */
export const WH_RATIO_CLIP = 16 / 1000;

export interface DeltaXYWHOptions {
  means: [number, number, number, number];
  stds: [number, number, number, number];
}

export const DEFAULT_DELTA_XYWH: DeltaXYWHOptions = { means: [0, 0, 0, 0], stds: [1, 1, 1, 1] };

export class DeltaXYWHCoder {
  readonly means: readonly number[];
  readonly stds: readonly number[];

  constructor(options: DeltaXYWHOptions = DEFAULT_DELTA_XYWH) {
    if (options.stds.some((s) => !(s > 0))) throw new ComponentError(`DeltaXYWHCoder: stds must be positive, got [${options.stds.join(', ')}]`);
    this.means = [...options.means];
    this.stds = [...options.stds];
  }

  /** Deltas of `gts[i]` against `anchors[i]` (aligned pairs). */
  encode(anchors: Float32Array, gts: Float32Array): Float32Array {
    if (anchors.length !== gts.length) throw new Error(`DeltaXYWHCoder.encode: ${anchors.length / 4} anchors vs ${gts.length / 4} boxes`);
    const out = new Float32Array(anchors.length);
    for (let i = 0; i < anchors.length; i += 4) {
      const pw = anchors[i + 2] - anchors[i], ph = anchors[i + 3] - anchors[i + 1];
      const px = anchors[i] + 0.5 * pw, py = anchors[i + 1] + 0.5 * ph;
      const gw = gts[i + 2] - gts[i], gh = gts[i + 3] - gts[i + 1];
      const gx = gts[i] + 0.5 * gw, gy = gts[i + 1] + 0.5 * gh;
      const d = [(gx - px) / pw, (gy - py) / ph, Math.log(gw / pw), Math.log(gh / ph)];
      for (let k = 0; k < 4; k++) out[i + k] = (d[k] - this.means[k]) / this.stds[k];
    }
    return out;
  }

  /** Boxes from deltas on the CPU, clipped to `maxShape` `[h, w]` when given. */
  decode(anchors: Float32Array, deltas: Float32Array, maxShape?: readonly [number, number]): Float32Array {
    if (anchors.length !== deltas.length) throw new Error(`DeltaXYWHCoder.decode: ${anchors.length / 4} anchors vs ${deltas.length / 4} deltas`);
    const maxRatio = Math.abs(Math.log(WH_RATIO_CLIP));
    const out = new Float32Array(anchors.length);
    for (let i = 0; i < anchors.length; i += 4) {
      const dx = deltas[i] * this.stds[0] + this.means[0];
      const dy = deltas[i + 1] * this.stds[1] + this.means[1];
      const dw = clamp(deltas[i + 2] * this.stds[2] + this.means[2], -maxRatio, maxRatio);
      const dh = clamp(deltas[i + 3] * this.stds[3] + this.means[3], -maxRatio, maxRatio);
      const pw = anchors[i + 2] - anchors[i], ph = anchors[i + 3] - anchors[i + 1];
      const px = anchors[i] + 0.5 * pw, py = anchors[i + 1] + 0.5 * ph;
      const gw = pw * Math.exp(dw), gh = ph * Math.exp(dh);
      const gx = px + pw * dx, gy = py + ph * dy;
      out[i] = gx - 0.5 * gw;
      out[i + 1] = gy - 0.5 * gh;
      out[i + 2] = gx + 0.5 * gw;
      out[i + 3] = gy + 0.5 * gh;
    }
    if (maxShape !== undefined) clipBoxes(out, maxShape);
    return out;
  }

  /** Differentiable decode of `[N, 4]` deltas against constant `[N, 4]` anchors. */
  decodeTensor(anchors: Tensor2D, deltas: Tensor2D): Tensor2D {
    return tf.tidy(() => {
      const maxRatio = Math.abs(Math.log(WH_RATIO_CLIP));
      const d = tf.add(tf.mul(deltas, tf.tensor1d(this.stds as number[])), tf.tensor1d(this.means as number[]));
      const [dx, dy, dw, dh] = tf.split(d, 4, 1);
      const [x1, y1, x2, y2] = tf.split(anchors, 4, 1);
      const pw = tf.sub(x2, x1), ph = tf.sub(y2, y1);
      const px = tf.add(x1, tf.mul(pw, 0.5)), py = tf.add(y1, tf.mul(ph, 0.5));
      const gw = tf.mul(pw, tf.exp(tf.clipByValue(dw, -maxRatio, maxRatio)));
      const gh = tf.mul(ph, tf.exp(tf.clipByValue(dh, -maxRatio, maxRatio)));
      const gx = tf.add(px, tf.mul(pw, dx)), gy = tf.add(py, tf.mul(ph, dy));
      const hw = tf.mul(gw, 0.5), hh = tf.mul(gh, 0.5);
      return tf.concat([tf.sub(gx, hw), tf.sub(gy, hh), tf.add(gx, hw), tf.add(gy, hh)], 1) as Tensor2D;
    });
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Clips packed boxes in place to `[0, w] × [0, h]`. */
export function clipBoxes(boxes: Float32Array, shape: readonly [number, number]): Float32Array {
  const [h, w] = shape;
  for (let i = 0; i < boxes.length; i += 4) {
    boxes[i] = clamp(boxes[i], 0, w);
    boxes[i + 1] = clamp(boxes[i + 1], 0, h);
    boxes[i + 2] = clamp(boxes[i + 2], 0, w);
    boxes[i + 3] = clamp(boxes[i + 3], 0, h);
  }
  return boxes;
}
