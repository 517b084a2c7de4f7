/** pycocotools' `accumulate()` (cocoeval.py:312-420) for one bucket. */
import { FP, TP } from './match_cell.js';
import type { PreparedData } from './prepared.js';
import type { Scratch } from './scratch.js';

/** `np.spacing(1)` in the precision denominator (cocoeval.py:383). */
const EPS = Number.EPSILON;

export interface BucketMatches {
  /** Per (area, threshold, kept detection): FP, TP or IGNORED, at `(a*T + t)*stride + d`. */
  codes: Uint8Array;
  stride: number;
  /** Kept detections by descending score, ties in (image, per-image rank) order. */
  order: Int32Array;
  rank: Int32Array;
  keptScore: Float64Array;
  nKept: number;
  /** Non-ignored GT per area range. */
  npig: Float64Array;
}

/**
 * accumulate() for one category. The interpolated precision at recall
 * threshold r is max(pr[i:]) at the first i with rc[i] >= r. rc only grows at
 * a true positive and pr only falls between two of them, so both the
 * searchsorted position and the running maximum are found among the true
 * positives (and position 0): the same doubles, from the same divisions,
 * without materialising rc and pr per detection.
 */
export function accumulateBucket(data: PreparedData, k: number, b: BucketMatches, scratch: Scratch): void {
  const { iouThrs, recThrs, maxDets, areaRanges, precision, recall, scores } = data;
  const T = iouThrs.length;
  const R = recThrs.length;
  const A = areaRanges.length / 2;
  const M = maxDets.length;
  const K = data.buckets;
  const { codes, stride, order, rank, keptScore, nKept } = b;
  const needTp = scratch.get('needTp', Int32Array, R);
  // The per-image cap of maxDets[m] (`dtScores[0:maxDet]` per image) keeps the
  // detections of rank < maxDets[m], in the shared sorted order.
  const cappedOrders = Array.from(maxDets, (cap, mi) => {
    const out = scratch.get(`capped${mi}`, Int32Array, nKept);
    let n = 0;
    for (let p = 0; p < nKept; p++) if (rank[order[p]] < cap) out[n++] = order[p];
    return out.subarray(0, n);
  });
  for (let a = 0; a < A; a++) {
    const npig = b.npig[a];
    if (npig === 0) continue;
    // rc[i] >= recThrs[r]  <=>  tp[i] >= needTp[r], with rc = tp/npig as numpy divides it.
    for (let r = 0; r < R; r++) {
      let v = Math.max(0, Math.ceil(recThrs[r] * npig));
      while (v > 0 && (v - 1) / npig >= recThrs[r]) v--;
      while (v / npig < recThrs[r]) v++;
      needTp[r] = v;
    }
    const prAtTp = scratch.get('prAtTp', Float64Array, npig + 2);
    const scoreAtTp = scratch.get('scoreAtTp', Float64Array, npig + 2);
    for (let mi = 0; mi < M; mi++) {
      const capped = cappedOrders[mi];
      for (let t = 0; t < T; t++) {
        const base = (a * T + t) * stride;
        let tp = 0, fp = 0, n = 0;
        let pr0 = 0, score0 = 0;
        for (let p = 0; p < capped.length; p++) {
          const idx = capped[p];
          const c = codes[base + idx];
          if (c === TP) {
            tp++;
            prAtTp[tp] = tp / (fp + tp + EPS);
            scoreAtTp[tp] = keptScore[idx];
          } else if (c === FP) {
            fp++;
          }
          if (n === 0) {
            pr0 = tp / (fp + tp + EPS);
            score0 = keptScore[idx];
          }
          n++;
        }
        recall[((t * K + k) * A + a) * M + mi] = n > 0 ? tp / npig : 0;
        // Precision made monotone from the right (cocoeval.py:395-397).
        for (let v = tp - 1; v >= 1; v--) if (prAtTp[v + 1] > prAtTp[v]) prAtTp[v] = prAtTp[v + 1];
        for (let r = 0; r < R; r++) {
          const at = (((t * R + r) * K + k) * A + a) * M + mi;
          const v = needTp[r];
          // Past the last detection searchsorted points out of range; the
          // IndexError is swallowed and precision stays 0 (cocoeval.py:403-407).
          if (n === 0 || v > tp) {
            precision[at] = 0;
            scores[at] = 0;
          } else if (v === 0) {
            precision[at] = tp > 0 && prAtTp[1] > pr0 ? prAtTp[1] : pr0;
            scores[at] = score0;
          } else {
            precision[at] = prAtTp[v];
            scores[at] = scoreAtTp[v];
          }
        }
      }
    }
  }
}
