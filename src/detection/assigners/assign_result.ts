/**
 * Per-prior assignment, mmdet's convention: `gtInds[i]` is 0 for a negative,
 * −1 for an ignored prior and `k + 1` when prior i is positive for gt box k.
 */
export interface AssignResult {
  numGts: number;
  gtInds: Int32Array;
  /** IoU of each prior with its assigned (or best) gt; 0 when there are none. */
  maxOverlaps: Float32Array;
}

/**
 * Marks priors whose intersection-over-own-area with an ignore box exceeds
 * `thr` as ignored (mmdet's `ignore_iof_thr`); only touches non-positives.
 */
export function applyIgnore(result: AssignResult, priors: Float32Array, iofWithIgnore: Float32Array, numIgnore: number, thr: number): void {
  if (thr < 0 || numIgnore === 0) return;
  const n = priors.length / 4;
  for (let i = 0; i < n; i++) {
    if (result.gtInds[i] > 0) continue;
    for (let j = 0; j < numIgnore; j++) {
      if (iofWithIgnore[i * numIgnore + j] > thr) {
        result.gtInds[i] = -1;
        break;
      }
    }
  }
}
