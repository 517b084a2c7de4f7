/**
 * The objects LGD's teacher sees, built on the CPU from a batch's targets:
 * per-image boxes (with the context box appended last, when enabled) and the
 * 84-d descriptors `2·[x1/W, y1/H, x2/W, y2/H, one_hot(c)] − 1` with W, H the
 * padded batch size and boxes clamped to [0, W−1] × [0, H−1] (spec §2.2).
 */
import type { GroundTruth } from '../../detection/heads/dense_head.js';

export interface TeacherObjects {
  /** `[T, 4 + numClasses]` row-major descriptors, images contiguous. */
  descriptors: Float32Array;
  /** Unclamped boxes `[x1, y1, x2, y2]` per object (context included), for the masks. */
  boxes: Float32Array;
  /** Objects per image (context included). */
  counts: number[];
  /** Whether the last object of each image is the context box. */
  context: boolean;
}

export function teacherObjects(gt: GroundTruth, numClasses: number, padH: number, padW: number, context: boolean): TeacherObjects {
  const dim = 4 + numClasses;
  const rows: number[][] = [];
  const boxes: number[] = [];
  const counts: number[] = [];
  const clampX = (v: number): number => Math.min(Math.max(v, 0), padW - 1);
  const clampY = (v: number): number => Math.min(Math.max(v, 0), padH - 1);
  const push = (b: ArrayLike<number>, cls: number): void => {
    const d = new Array<number>(dim).fill(0);
    d[0] = clampX(b[0]) / padW;
    d[1] = clampY(b[1]) / padH;
    d[2] = clampX(b[2]) / padW;
    d[3] = clampY(b[3]) / padH;
    if (cls >= 0) d[4 + cls] = 1;
    rows.push(d.map((v) => 2 * v - 1));
    boxes.push(b[0], b[1], b[2], b[3]);
  };
  gt.boxes.forEach((bx, i) => {
    const labels = gt.labels[i];
    let n = labels.length;
    // The official dummy object for an image without boxes: (0, 0, 1, 1), class 0.
    if (n === 0) {
      push([0, 0, 1, 1], 0);
      n = 1;
    }
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] < 0 || labels[j] >= numClasses) throw new Error(`LGD: label ${labels[j]} of image ${i} is outside [0, ${numClasses})`);
      push(bx.subarray(4 * j, 4 * j + 4), labels[j]);
    }
    if (context) {
      push([0, 0, padW, padH], -1);
      n += 1;
    }
    counts.push(n);
  });
  return { descriptors: Float32Array.from(rows.flat()), boxes: Float32Array.from(boxes), counts, context };
}

/**
 * Inside masks of the objects on one level `[T, h·w]` (1 inside, 0 outside):
 * the box scaled by (h/H, w/W), integer grid points, no +0.5 offset, inside
 * when |x − xc| / bw ≤ 0.5 and |y − yc| / bh ≤ 0.5 (`get_inside_gt_mask`).
 */
export function insideMasks(boxes: Float32Array, first: number, count: number, h: number, w: number, padH: number, padW: number): Float32Array {
  const out = new Float32Array(count * h * w);
  const sx = w / padW;
  const sy = h / padH;
  for (let k = 0; k < count; k++) {
    const o = 4 * (first + k);
    const x1 = boxes[o] * sx;
    const y1 = boxes[o + 1] * sy;
    const x2 = boxes[o + 2] * sx;
    const y2 = boxes[o + 3] * sy;
    const xc = (x1 + x2) / 2;
    const yc = (y1 + y2) / 2;
    const bw = x2 - x1;
    const bh = y2 - y1;
    for (let y = 0; y < h; y++) {
      if (!(Math.abs(y - yc) / bh <= 0.5)) continue;
      for (let x = 0; x < w; x++) if (Math.abs(x - xc) / bw <= 0.5) out[k * h * w + y * w + x] = 1;
    }
  }
  return out;
}
