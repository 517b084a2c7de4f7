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
import type { PreparedData } from './prepared.js';
import { argsortByScoreDesc } from './stable_argsort.js';

const FP = 0;
const TP = 1;
const IGNORED = 2;
/** `np.spacing(1)` in the precision denominator (cocoeval.py:383). */
const EPS = Number.EPSILON;
const MAX_IOU_THRESHOLD = 1 - 1e-10;

/** Growable work buffers, reused across buckets of one thread. */
export class Scratch {
  private buffers = new Map<string, Int32Array | Float64Array | Uint8Array>();

  get<T extends Int32Array | Float64Array | Uint8Array>(name: string, Ctor: { new (n: number): T }, n: number): T {
    const have = this.buffers.get(name) as T | undefined;
    if (have && have.length >= n) return have;
    const next = new Ctor(Math.max(n, 2 * (have?.length ?? 0), 16));
    this.buffers.set(name, next);
    return next;
  }
}

/**
 * Box IoU as `maskApi.c: bbIou`: `[x, y, w, h]` in double, no +1, a crowd GT
 * uses the detection area as the union. Fills `iou[d*G + g]`.
 */
function boxIou(data: PreparedData, kept: Int32Array, first: number, nd: number, g0: number, ng: number, iou: Float64Array): void {
  const { dtBox, gtBox, gtCrowd } = data;
  for (let d = 0; d < nd; d++) {
    const db = 4 * kept[first + d];
    const dx = dtBox[db], dy = dtBox[db + 1], dw = dtBox[db + 2], dh = dtBox[db + 3];
    const da = dw * dh;
    for (let g = 0; g < ng; g++) {
      const gb = 4 * (g0 + g);
      const gx = gtBox[gb], gy = gtBox[gb + 1], gw = gtBox[gb + 2], gh = gtBox[gb + 3];
      let v = 0;
      const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
      if (w > 0) {
        const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
        if (h > 0) {
          const inter = w * h;
          v = inter / (gtCrowd[g0 + g] ? da : da + gw * gh - inter);
        }
      }
      iou[d * ng + g] = v;
    }
  }
}

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

interface CellBuffers {
  codes: Uint8Array;
  stride: number;
  /** Row of each kept detection in the prepared arrays, cell by cell in score order. */
  kept: Int32Array;
  outCode: Uint8Array;
  ign: Uint8Array;
  gtOrder: Int32Array;
  taken: Uint8Array;
  npig: Float64Array;
  scratch: Scratch;
}

/**
 * evaluateImg for one (image, category) cell and every area range: the kept
 * detections are `kept[first .. first+nd]`, the GT rows `gs .. gs+ng` in file order.
 */
function matchCell(data: PreparedData, c: CellBuffers, first: number, nd: number, gs: number, ng: number): void {
  const { iouThrs, areaRanges, gtArea, gtIgnore, gtCrowd, gtIdNonzero, dtBox } = data;
  const T = iouThrs.length;
  const A = areaRanges.length / 2;
  const { codes, stride, kept, outCode, ign, gtOrder, taken } = c;
  let iou: Float64Array | undefined;
  if (nd > 0 && ng > 0) {
    iou = c.scratch.get('iou', Float64Array, nd * ng);
    boxIou(data, kept, first, nd, gs, ng, iou);
  }
  for (let a = 0; a < A; a++) {
    const lo = areaRanges[2 * a], hi = areaRanges[2 * a + 1];
    // An unmatched detection outside the area range is ignored, judged by its own w*h.
    for (let d = 0; d < nd; d++) {
      const db = 4 * kept[first + d];
      const area = dtBox[db + 2] * dtBox[db + 3];
      outCode[d] = area < lo || area > hi ? IGNORED : FP;
    }
    // GT `_ignore` uses the GT `area` field; a stable argsort puts ignored GT last.
    let nRegular = 0;
    for (let g = 0; g < ng; g++) {
      const area = gtArea[gs + g];
      ign[g] = gtIgnore[gs + g] || area < lo || area > hi ? 1 : 0;
      if (!ign[g]) gtOrder[nRegular++] = g;
    }
    c.npig[a] += nRegular;
    if (iou === undefined) {
      for (let t = 0; t < T; t++) {
        const base = (a * T + t) * stride + first;
        for (let d = 0; d < nd; d++) codes[base + d] = outCode[d];
      }
      continue;
    }
    for (let g = 0, j = nRegular; g < ng; g++) if (ign[g]) gtOrder[j++] = g;

    for (let t = 0; t < T; t++) {
      const threshold = Math.min(iouThrs[t], MAX_IOU_THRESHOLD);
      taken.fill(0, 0, ng);
      const base = (a * T + t) * stride + first;
      for (let d = 0; d < nd; d++) {
        let best = threshold;
        let m = -1;
        const row = d * ng;
        for (let j = 0; j < ng; j++) {
          const g = gtOrder[j];
          if (taken[j] && !gtCrowd[gs + g]) continue;
          // Once matched to a regular GT, never move on to an ignored one.
          if (m > -1 && !ign[gtOrder[m]] && ign[g]) break;
          const v = iou[row + g];
          if (v < best) continue;
          best = v;
          m = j;
        }
        if (m === -1) {
          codes[base + d] = outCode[d];
          continue;
        }
        taken[m] = 1;
        const g = gtOrder[m];
        // dtm holds the matched GT's id with 0 meaning "unmatched", so a match
        // to a GT whose id is 0 is scored as unmatched.
        codes[base + d] = ign[g] ? IGNORED : gtIdNonzero[gs + g] ? TP : outCode[d];
      }
    }
  }
}

interface BucketMatches {
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
function accumulateBucket(data: PreparedData, k: number, b: BucketMatches, scratch: Scratch): void {
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
