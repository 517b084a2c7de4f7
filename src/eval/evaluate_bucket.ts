/**
 * The per-category work of pycocotools' `evaluate()` and `accumulate()`
 * (cocoeval.py:164-189, 240-310, 312-420) for one bucket, writing its slice
 * of precision[T,R,K,A,M], recall[T,K,A,M] and scores[T,R,K,A,M].
 *
 * Per (image, category) cell the detections are sorted once and the IoU matrix
 * computed once; each area range only re-orders the GT. Across images the
 * detections are sorted once per category: a per-image cap of maxDets[m]
 * keeps a subset of the concatenation in the same relative order, so its
 * stable sort is the full stable sort filtered, and one order serves every
 * area range and every maxDets.
 */
import { accumulateBucket } from './accumulate_bucket.js';
import { matchCell, type CellBuffers } from './match_cell.js';
import type { PreparedData } from './prepared.js';
import type { Scratch } from './scratch.js';
import { argsortByScoreDesc } from './stable_argsort.js';

export function evaluateBucket(data: PreparedData, k: number, scratch: Scratch): void {
  const { iouThrs, maxDets, areaRanges, gtImage, dtImage, dtScore } = data;
  const T = iouThrs.length;
  const A = areaRanges.length / 2;
  const maxDet = maxDets[maxDets.length - 1];
  const g0 = data.gtStart[k], g1 = data.gtStart[k + 1];
  const d0 = data.dtStart[k], d1 = data.dtStart[k + 1];
  // No cell of this category has GT or detections: every evalImg is None and
  // accumulate leaves -1.
  if (g0 === g1 && d0 === d1) return;

  const stride = Math.max(1, d1 - d0);
  const nGt = g1 - g0;
  const cell: CellBuffers = {
    codes: scratch.get('codes', Uint8Array, A * T * stride),
    stride,
    kept: scratch.get('kept', Int32Array, stride),
    outCode: scratch.get('outCode', Uint8Array, stride),
    ign: scratch.get('ign', Uint8Array, nGt),
    gtOrder: scratch.get('gtOrder', Int32Array, nGt),
    taken: scratch.get('taken', Uint8Array, nGt),
    npig: new Float64Array(A),
    scratch,
  };
  const rank = scratch.get('rank', Int32Array, stride);
  const keptScore = scratch.get('keptScore', Float64Array, stride);
  const detOrder = scratch.get('detOrder', Int32Array, stride);
  let nKept = 0;

  let gi = g0, di = d0;
  while (gi < g1 || di < d1) {
    const img = Math.min(gi < g1 ? gtImage[gi] : Infinity, di < d1 ? dtImage[di] : Infinity);
    const gs = gi, ds = di;
    while (gi < g1 && gtImage[gi] === img) gi++;
    while (di < d1 && dtImage[di] === img) di++;
    // evaluateImg: detections by descending score, truncated to maxDets[-1] before IoU.
    const nAll = di - ds;
    const nd = Math.min(nAll, maxDet);
    argsortByScoreDesc(dtScore, ds, nAll, detOrder);
    for (let d = 0; d < nd; d++) {
      cell.kept[nKept + d] = ds + detOrder[d];
      rank[nKept + d] = d;
      keptScore[nKept + d] = dtScore[ds + detOrder[d]];
    }
    matchCell(data, cell, nKept, nd, gs, gi - gs);
    nKept += nd;
  }

  // accumulate: one stable sort of the category's detections, shared by all (a, m).
  const order = scratch.get('order', Int32Array, nKept);
  argsortByScoreDesc(keptScore, 0, nKept, order);
  accumulateBucket(data, k, { codes: cell.codes, stride, order, rank, keptScore, nKept, npig: cell.npig }, scratch);
}
