/**
 * Greedy NMS on the CPU, and mmcv's class-aware `batched_nms`: boxes of
 * different classes are moved apart by `label · (max coordinate + 1)` so one
 * NMS pass never lets them suppress each other.
 */
import { numBoxes, pairIoU } from './boxes.js';

/**
 * Indices kept by greedy NMS, in descending score order. A box is suppressed
 * when its IoU with a kept box exceeds `iouThr` (mmcv's strict test).
 */
export function nms(boxes: Float32Array, scores: Float32Array, iouThr: number, maxKeep = Infinity): number[] {
  const n = numBoxes(boxes, 'nms boxes');
  if (scores.length !== n) throw new Error(`nms: ${n} boxes but ${scores.length} scores`);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const suppressed = new Uint8Array(n);
  const keep: number[] = [];
  for (let p = 0; p < n; p++) {
    const i = order[p];
    if (suppressed[i] === 1) continue;
    keep.push(i);
    if (keep.length >= maxKeep) break;
    for (let q = p + 1; q < n; q++) {
      const j = order[q];
      if (suppressed[j] === 0 && pairIoU(boxes, i, boxes, j, 0) > iouThr) suppressed[j] = 1;
    }
  }
  return keep;
}

/** Class-aware NMS via coordinate offsets (mmcv `batched_nms`); returns kept indices by descending score. */
export function batchedNms(boxes: Float32Array, scores: Float32Array, labels: Int32Array, iouThr: number, maxKeep = Infinity): number[] {
  const n = numBoxes(boxes, 'batchedNms boxes');
  if (labels.length !== n) throw new Error(`batchedNms: ${n} boxes but ${labels.length} labels`);
  if (n === 0) return [];
  let maxCoord = -Infinity;
  for (const v of boxes) maxCoord = Math.max(maxCoord, v);
  const shifted = new Float32Array(boxes.length);
  for (let i = 0; i < n; i++) {
    const off = labels[i] * (maxCoord + 1);
    for (let k = 0; k < 4; k++) shifted[4 * i + k] = boxes[4 * i + k] + off;
  }
  return nms(shifted, scores, iouThr, maxKeep);
}
