/**
 * Box geometry on packed `[x1, y1, x2, y2]` Float32Arrays (four floats per box).
 * These run on the CPU outside the gradient path (assignment, NMS, metrics);
 * the differentiable counterparts live in `losses/iou_loss.ts`.
 */

/** Number of boxes in a packed array; throws on a length that is not a multiple of 4. */
export function numBoxes(boxes: Float32Array, what = 'boxes'): number {
  if (boxes.length % 4 !== 0) throw new Error(`${what}: length ${boxes.length} is not a multiple of 4`);
  return boxes.length / 4;
}

export function boxArea(boxes: Float32Array, i: number): number {
  return Math.max(0, boxes[4 * i + 2] - boxes[4 * i]) * Math.max(0, boxes[4 * i + 3] - boxes[4 * i + 1]);
}

/**
 * Pairwise overlaps, row-major `[a.count, b.count]`. `mode` 'iou' is
 * intersection over union, 'iof' intersection over the area of `a` (mmdet's
 * ignore test). Widths carry no +1 (mmdet ≥ 2.0 convention); `eps` guards the
 * division as mmdet's `bbox_overlaps` does.
 */
export function boxOverlaps(a: Float32Array, b: Float32Array, mode: 'iou' | 'iof' = 'iou', eps = 1e-6): Float32Array {
  const n = numBoxes(a, 'boxOverlaps a');
  const m = numBoxes(b, 'boxOverlaps b');
  const out = new Float32Array(n * m);
  const areaB = new Float32Array(m);
  for (let j = 0; j < m; j++) areaB[j] = boxArea(b, j);
  for (let i = 0; i < n; i++) {
    const ax1 = a[4 * i], ay1 = a[4 * i + 1], ax2 = a[4 * i + 2], ay2 = a[4 * i + 3];
    const areaA = boxArea(a, i);
    for (let j = 0; j < m; j++) {
      const iw = Math.min(ax2, b[4 * j + 2]) - Math.max(ax1, b[4 * j]);
      const ih = Math.min(ay2, b[4 * j + 3]) - Math.max(ay1, b[4 * j + 1]);
      const inter = iw > 0 && ih > 0 ? iw * ih : 0;
      const denom = mode === 'iou' ? areaA + areaB[j] - inter : areaA;
      out[i * m + j] = inter / Math.max(denom, eps);
    }
  }
  return out;
}

/** IoU of box `i` of `a` with box `j` of `b`. */
export function pairIoU(a: Float32Array, i: number, b: Float32Array, j: number, eps = 1e-6): number {
  const iw = Math.min(a[4 * i + 2], b[4 * j + 2]) - Math.max(a[4 * i], b[4 * j]);
  const ih = Math.min(a[4 * i + 3], b[4 * j + 3]) - Math.max(a[4 * i + 1], b[4 * j + 1]);
  const inter = iw > 0 && ih > 0 ? iw * ih : 0;
  return inter / Math.max(boxArea(a, i) + boxArea(b, j) - inter, eps);
}

/**
 * Generalized IoU of aligned pairs (Rezatofighi et al. 2019, Alg. 1):
 * IoU − (|C| − |A ∪ B|) / |C| with C the smallest enclosing box.
 */
export function alignedGIoU(a: Float32Array, b: Float32Array, eps = 1e-6): Float32Array {
  const n = numBoxes(a, 'alignedGIoU a');
  if (numBoxes(b, 'alignedGIoU b') !== n) throw new Error(`alignedGIoU: ${n} boxes vs ${b.length / 4}`);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const iw = Math.max(0, Math.min(a[4 * i + 2], b[4 * i + 2]) - Math.max(a[4 * i], b[4 * i]));
    const ih = Math.max(0, Math.min(a[4 * i + 3], b[4 * i + 3]) - Math.max(a[4 * i + 1], b[4 * i + 1]));
    const inter = iw * ih;
    const union = Math.max(boxArea(a, i) + boxArea(b, i) - inter, eps);
    const cw = Math.max(a[4 * i + 2], b[4 * i + 2]) - Math.min(a[4 * i], b[4 * i]);
    const ch = Math.max(a[4 * i + 3], b[4 * i + 3]) - Math.min(a[4 * i + 1], b[4 * i + 1]);
    const enclose = Math.max(cw * ch, eps);
    out[i] = inter / union - (enclose - union) / enclose;
  }
  return out;
}

/** Centres `[cx, cy]` packed by two. */
export function boxCenters(boxes: Float32Array): Float32Array {
  const n = numBoxes(boxes);
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = (boxes[4 * i] + boxes[4 * i + 2]) / 2;
    out[2 * i + 1] = (boxes[4 * i + 1] + boxes[4 * i + 3]) / 2;
  }
  return out;
}
