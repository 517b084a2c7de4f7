/**
 * ATSS (Zhang et al., CVPR 2020, Alg. 1) as mmdet's ATSSAssigner: per gt,
 * the `topk` priors of each level nearest to its centre are candidates; the
 * positives are candidates with IoU ≥ mean + std of the candidates' IoUs
 * (unbiased std, as torch.std) whose centre lies inside the gt (by more than
 * 0.01 px). A prior positive for several gts goes to the one it overlaps most.
 */
import { boxCenters, boxOverlaps, numBoxes } from '../boxes.js';
import { applyIgnore, type AssignResult } from './assign_result.js';

export interface AtssAssignerOptions {
  topk: number;
  ignoreIofThr: number;
}

export function assignAtss(priors: Float32Array, levelSizes: number[], gts: Float32Array, opts: AtssAssignerOptions, ignore?: Float32Array): AssignResult {
  const n = numBoxes(priors, 'assignAtss priors');
  const m = numBoxes(gts, 'assignAtss gts');
  if (levelSizes.reduce((a, b) => a + b, 0) !== n) throw new Error(`assignAtss: level sizes sum to ${levelSizes.reduce((a, b) => a + b, 0)}, priors are ${n}`);
  const gtInds = new Int32Array(n);
  const maxOverlaps = new Float32Array(n);
  if (m === 0 || n === 0) return { numGts: m, gtInds, maxOverlaps };
  const ov = boxOverlaps(priors, gts); // [n, m]
  const pc = boxCenters(priors);
  const gc = boxCenters(gts);
  const best = new Float32Array(n).fill(-Infinity);
  for (let g = 0; g < m; g++) {
    const candidates: number[] = [];
    let start = 0;
    for (const size of levelSizes) {
      const dist: [number, number][] = [];
      for (let i = start; i < start + size; i++) {
        dist.push([Math.hypot(pc[2 * i] - gc[2 * g], pc[2 * i + 1] - gc[2 * g + 1]), i]);
      }
      dist.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      for (let k = 0; k < Math.min(opts.topk, size); k++) candidates.push(dist[k][1]);
      start += size;
    }
    const ious = candidates.map((i) => ov[i * m + g]);
    const mean = ious.reduce((a, b) => a + b, 0) / ious.length;
    const variance = ious.length > 1 ? ious.reduce((a, b) => a + (b - mean) ** 2, 0) / (ious.length - 1) : Number.NaN;
    const thr = mean + Math.sqrt(variance);
    const [x1, y1, x2, y2] = [gts[4 * g], gts[4 * g + 1], gts[4 * g + 2], gts[4 * g + 3]];
    candidates.forEach((i, k) => {
      const cx = pc[2 * i], cy = pc[2 * i + 1];
      const inside = Math.min(cx - x1, cy - y1, x2 - cx, y2 - cy) > 0.01;
      if (ious[k] >= thr && inside && ious[k] > best[i]) {
        best[i] = ious[k];
        gtInds[i] = g + 1;
      }
    });
  }
  for (let i = 0; i < n; i++) {
    let mx = 0;
    for (let g = 0; g < m; g++) mx = Math.max(mx, ov[i * m + g]);
    maxOverlaps[i] = gtInds[i] > 0 ? ov[i * m + gtInds[i] - 1] : mx;
  }
  if (ignore !== undefined && ignore.length > 0) {
    applyIgnore({ numGts: m, gtInds, maxOverlaps }, priors, boxOverlaps(priors, ignore, 'iof'), ignore.length / 4, opts.ignoreIofThr);
  }
  return { numGts: m, gtInds, maxOverlaps };
}
