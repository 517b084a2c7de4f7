/**
 * DETR's set-prediction loss (Carion et al. 2020, §3.1): each image's queries
 * are matched one-to-one to its objects by the Hungarian method on
 * `w_cls·(−p̂(c)) + w_l1·‖b̂ − b‖₁ + w_giou·(−GIoU(b̂, b))`, boxes as `(cx, cy, w, h)`
 * normalised by the image size; then a class cross-entropy over all queries
 * (unmatched ones target the no-object class, weighted by `eosCoef`) and L1 +
 * GIoU losses over the matched ones, divided by the number of objects.
 */
import { tf, type Scalar, type Tensor, type Tensor2D } from '../../engine/tf.js';
import { giouLoss } from '../losses/iou_loss.js';
import { linearSumAssignment } from '../hungarian.js';
import { zeroLoss } from '../heads/dense_head.js';

export interface SetCriterionOptions {
  numClasses: number;
  costClass: number;
  costBbox: number;
  costGiou: number;
  lossClass: number;
  lossBbox: number;
  lossGiou: number;
  /** Relative weight of the no-object class in the cross-entropy (DETR: 0.1). */
  eosCoef: number;
}

/** Targets of one image: `boxes` normalised `(cx, cy, w, h)` packed by four, `labels` in `[0, numClasses)`. */
export interface SetTargets {
  boxes: Float32Array;
  labels: Int32Array;
}

export function cxcywhToXyxy(b: ArrayLike<number>, i: number): [number, number, number, number] {
  const [cx, cy, w, h] = [b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]];
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

function giou(a: [number, number, number, number], b: [number, number, number, number]): number {
  const area = (x: number[]): number => Math.max(0, x[2] - x[0]) * Math.max(0, x[3] - x[1]);
  const inter = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0])) * Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const union = area(a) + area(b) - inter;
  const enclose = (Math.max(a[2], b[2]) - Math.min(a[0], b[0])) * (Math.max(a[3], b[3]) - Math.min(a[1], b[1]));
  return inter / Math.max(union, 1e-6) - (enclose - union) / Math.max(enclose, 1e-6);
}

/** The matching cost `[Q, G]` of one image (row-major), from softmax probabilities `[Q, C+1]` and boxes `[Q, 4]`. */
export function matchingCost(probs: Float32Array, boxes: Float32Array, t: SetTargets, o: SetCriterionOptions): Float64Array {
  const q = boxes.length / 4;
  const g = t.labels.length;
  const c1 = o.numClasses + 1;
  const cost = new Float64Array(q * g);
  for (let i = 0; i < q; i++) {
    const pi = cxcywhToXyxy(boxes, i);
    for (let j = 0; j < g; j++) {
      let l1 = 0;
      for (let k = 0; k < 4; k++) l1 += Math.abs(boxes[4 * i + k] - t.boxes[4 * j + k]);
      cost[i * g + j] = -o.costClass * probs[i * c1 + t.labels[j]] + o.costBbox * l1 - o.costGiou * giou(pi, cxcywhToXyxy(t.boxes, j));
    }
  }
  return cost;
}

function toXyxy(b: Tensor2D): Tensor2D {
  const [cx, cy, w, h] = tf.split(b, 4, 1);
  return tf.concat([tf.sub(cx, tf.div(w, 2)), tf.sub(cy, tf.div(h, 2)), tf.add(cx, tf.div(w, 2)), tf.add(cy, tf.div(h, 2))], 1) as Tensor2D;
}

/**
 * Losses of one decoder layer. `logits` `[N, Q, C+1]`, `boxes` `[N, Q, 4]`
 * (normalised cxcywh, after the sigmoid). Box losses are divided by the
 * object count of the batch.
 */
export function setLoss(logits: Tensor, boxes: Tensor, targets: SetTargets[], o: SetCriterionOptions): { cls: Scalar; bbox: Scalar; giou: Scalar } {
  const [n, q, c1] = logits.shape as [number, number, number];
  if (c1 !== o.numClasses + 1) throw new Error(`set loss: logits have ${c1} classes, expected ${o.numClasses} + no-object`);
  if (targets.length !== n) throw new Error(`set loss: ${targets.length} target lists for a batch of ${n}`);
  const probs = tf.tidy(() => tf.softmax(logits, -1).dataSync() as Float32Array);
  const boxData = boxes.dataSync() as Float32Array;
  const classTarget = new Float32Array(n * q * c1);
  const classWeight = new Float32Array(n * q).fill(o.eosCoef);
  const predIdx: number[] = [];
  const tgtBoxes: number[] = [];
  for (let b = 0; b < n; b++) {
    const t = targets[b];
    const matchedLabel = new Int32Array(q).fill(o.numClasses);
    if (t.labels.length > 0) {
      const cost = matchingCost(probs.subarray(b * q * c1, (b + 1) * q * c1), boxData.subarray(b * q * 4, (b + 1) * q * 4), t, o);
      const { rows, cols } = linearSumAssignment(cost, q, t.labels.length);
      for (let k = 0; k < rows.length; k++) {
        matchedLabel[rows[k]] = t.labels[cols[k]];
        predIdx.push(b * q + rows[k]);
        for (let d = 0; d < 4; d++) tgtBoxes.push(t.boxes[4 * cols[k] + d]);
      }
    }
    for (let i = 0; i < q; i++) {
      classTarget[(b * q + i) * c1 + matchedLabel[i]] = 1;
      if (matchedLabel[i] !== o.numClasses) classWeight[b * q + i] = 1;
    }
  }
  const flatLogits = tf.reshape(logits, [n * q, c1]);
  const ce = tf.neg(tf.sum(tf.mul(tf.tensor2d(classTarget, [n * q, c1]), tf.logSoftmax(flatLogits, -1)), 1));
  const w = tf.tensor1d(classWeight);
  // torch's weighted cross-entropy mean divides by the sum of the weights.
  const cls = tf.mul(tf.div(tf.sum(tf.mul(ce, w)), tf.sum(w)), o.lossClass) as Scalar;
  const flatBoxes = tf.reshape(boxes, [n * q, 4]) as Tensor2D;
  if (predIdx.length === 0) return { cls, bbox: zeroLoss(flatBoxes), giou: zeroLoss(flatBoxes) };
  const numBoxes = Math.max(1, targets.reduce((k, t) => k + t.labels.length, 0));
  const pred = tf.gather(flatBoxes, tf.tensor1d(predIdx, 'int32')) as Tensor2D;
  const tgt = tf.tensor2d(tgtBoxes, [predIdx.length, 4]);
  const bbox = tf.mul(tf.div(tf.sum(tf.abs(tf.sub(pred, tgt))), numBoxes), o.lossBbox) as Scalar;
  const g = tf.mul(tf.div(tf.sum(giouLoss(toXyxy(pred), toXyxy(tgt))), numBoxes), o.lossGiou) as Scalar;
  return { cls, bbox, giou: g };
}
