/**
 * mmdet's MaxIoUAssigner (as RetinaNet uses it): negatives below `negIouThr`,
 * positives at or above `posIouThr`, then, with `matchLowQuality`, every gt
 * claims the priors that overlap it best (all of them when tied, later gts
 * overriding earlier ones) provided that best IoU reaches `minPosIou`.
 */
import { boxOverlaps, numBoxes } from '../boxes.js';
import { applyIgnore, type AssignResult } from './assign_result.js';

export interface MaxIoUAssignerOptions {
  posIouThr: number;
  negIouThr: number;
  minPosIou: number;
  matchLowQuality: boolean;
  /** Priors whose IoF with an ignore box exceeds this are ignored; −1 disables. */
  ignoreIofThr: number;
}

export const RETINANET_ASSIGNER: MaxIoUAssignerOptions = { posIouThr: 0.5, negIouThr: 0.4, minPosIou: 0, matchLowQuality: true, ignoreIofThr: -1 };

export function assignMaxIoU(priors: Float32Array, gts: Float32Array, opts: MaxIoUAssignerOptions, ignore?: Float32Array): AssignResult {
  const n = numBoxes(priors, 'assignMaxIoU priors');
  const m = numBoxes(gts, 'assignMaxIoU gts');
  const gtInds = new Int32Array(n).fill(-1);
  const maxOverlaps = new Float32Array(n);
  if (m === 0) {
    gtInds.fill(0);
    return { numGts: 0, gtInds, maxOverlaps };
  }
  const ov = boxOverlaps(gts, priors);
  const argmax = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = -1, arg = 0;
    for (let g = 0; g < m; g++) {
      if (ov[g * n + i] > best) {
        best = ov[g * n + i];
        arg = g;
      }
    }
    maxOverlaps[i] = best;
    argmax[i] = arg;
    if (best >= 0 && best < opts.negIouThr) gtInds[i] = 0;
    if (best >= opts.posIouThr) gtInds[i] = arg + 1;
  }
  if (opts.matchLowQuality) {
    // With minPosIou 0 a gt that overlaps nothing still claims its IoU-0
    // priors, exactly as mmdet does; boxes inside the image never hit this.
    for (let g = 0; g < m; g++) {
      let gtMax = -1;
      for (let i = 0; i < n; i++) gtMax = Math.max(gtMax, ov[g * n + i]);
      if (gtMax < opts.minPosIou) continue;
      for (let i = 0; i < n; i++) if (ov[g * n + i] === gtMax) gtInds[i] = g + 1;
    }
  }
  if (ignore !== undefined && ignore.length > 0) {
    applyIgnore({ numGts: m, gtInds, maxOverlaps }, priors, boxOverlaps(priors, ignore, 'iof'), ignore.length / 4, opts.ignoreIofThr);
  }
  return { numGts: m, gtInds, maxOverlaps };
}
