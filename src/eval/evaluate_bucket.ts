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
function boxIou(data: PreparedData, d0: number, detOrder: Int32Array, nd: number, g0: number, ng: number, iou: Float64Array): void {
  const { dtBox, gtBox, gtCrowd } = data;
  for (let d = 0; d < nd; d++) {
    const db = 4 * (d0 + detOrder[d]);
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
  const { iouThrs, recThrs, maxDets, areaRanges, gtImage, gtArea, gtIgnore, gtCrowd, gtIdNonzero, dtImage, dtBox, dtScore } = data;
  const T = iouThrs.length;
  const R = recThrs.length;
  const A = areaRanges.length / 2;
  const M = maxDets.length;
  const K = data.buckets;
  const maxDet = maxDets[M - 1];
  const g0 = data.gtStart[k], g1 = data.gtStart[k + 1];
  const d0 = data.dtStart[k], d1 = data.dtStart[k + 1];
  // No cell of this category has GT or detections: every evalImg is None and
  // accumulate leaves -1.
  if (g0 === g1 && d0 === d1) return;

  const stride = Math.max(1, d1 - d0);
  const codes = scratch.get('codes', Uint8Array, A * T * stride);
  const kept = scratch.get('kept', Int32Array, stride);
  const rank = scratch.get('rank', Int32Array, stride);
  const keptScore = scratch.get('keptScore', Float64Array, stride);
  const npig = new Float64Array(A);
  let nKept = 0;

  let gi = g0, di = d0;
  while (gi < g1 || di < d1) {
    const img = Math.min(gi < g1 ? gtImage[gi] : Infinity, di < d1 ? dtImage[di] : Infinity);
    const gs = gi, ds = di;
    while (gi < g1 && gtImage[gi] === img) gi++;
    while (di < d1 && dtImage[di] === img) di++;
    const ng = gi - gs;
    const nAll = di - ds;
    const nd = Math.min(nAll, maxDet);

    // evaluateImg: detections by descending score, truncated to maxDets[-1] before IoU.
    const detOrder = scratch.get('detOrder', Int32Array, nAll);
    argsortByScoreDesc(dtScore, ds, nAll, detOrder);
    const iou = scratch.get('iou', Float64Array, nd * ng);
    boxIou(data, ds, detOrder, nd, gs, ng, iou);
    const first = nKept;
    for (let d = 0; d < nd; d++) {
      kept[nKept] = ds + detOrder[d];
      rank[nKept] = d;
      keptScore[nKept] = dtScore[ds + detOrder[d]];
      nKept++;
    }

    const ign = scratch.get('ign', Uint8Array, ng);
    const gtOrder = scratch.get('gtOrder', Int32Array, ng);
    const taken = scratch.get('taken', Uint8Array, ng);
    for (let a = 0; a < A; a++) {
      const lo = areaRanges[2 * a], hi = areaRanges[2 * a + 1];
      // GT `_ignore` uses the GT `area` field; a stable argsort puts ignored GT last.
      let nRegular = 0;
      for (let g = 0; g < ng; g++) {
        const area = gtArea[gs + g];
        ign[g] = gtIgnore[gs + g] || area < lo || area > hi ? 1 : 0;
        if (!ign[g]) gtOrder[nRegular++] = g;
      }
      npig[a] += nRegular;
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
          let code: number;
          let unmatched: boolean;
          if (m === -1) {
            code = FP;
            unmatched = true;
          } else {
            taken[m] = 1;
            const g = gtOrder[m];
            // dtm holds the GT id and 0 means "unmatched", so a GT with id 0 never counts as a match.
            unmatched = !gtIdNonzero[gs + g];
            code = ign[g] ? IGNORED : unmatched ? FP : TP;
          }
          if (code === FP && unmatched) {
            // Unmatched detections outside the area range are ignored, by their own w*h.
            const db = 4 * kept[first + d];
            const area = dtBox[db + 2] * dtBox[db + 3];
            if (area < lo || area > hi) code = IGNORED;
          }
          codes[base + d] = code;
        }
      }
    }
  }

  // accumulate: one stable sort of the category's detections, shared by all (a, m).
  const order = scratch.get('order', Int32Array, nKept);
  argsortByScoreDesc(keptScore, 0, nKept, order);
  const rc = scratch.get('rc', Float64Array, nKept);
  const pr = scratch.get('pr', Float64Array, nKept);
  const sc = scratch.get('sc', Float64Array, nKept);
  const { precision, recall, scores } = data;
  for (let a = 0; a < A; a++) {
    const npigA = npig[a];
    if (npigA === 0) continue;
    for (let mi = 0; mi < M; mi++) {
      const cap = maxDets[mi];
      for (let t = 0; t < T; t++) {
        const base = (a * T + t) * stride;
        let tp = 0, fp = 0, n = 0;
        for (let p = 0; p < nKept; p++) {
          const idx = order[p];
          if (rank[idx] >= cap) continue;
          const c = codes[base + idx];
          if (c === TP) tp++;
          else if (c === FP) fp++;
          rc[n] = tp / npigA;
          pr[n] = tp / (fp + tp + EPS);
          sc[n] = keptScore[idx];
          n++;
        }
        recall[((t * K + k) * A + a) * M + mi] = n > 0 ? rc[n - 1] : 0;
        for (let i = n - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
        // searchsorted(rc, recThrs, 'left'); past the last detection the
        // IndexError is swallowed and precision stays 0 (cocoeval.py:403-407).
        let i = 0;
        for (let r = 0; r < R; r++) {
          while (i < n && rc[i] < recThrs[r]) i++;
          const at = ((((t * R + r) * K + k) * A + a) * M) + mi;
          precision[at] = i < n ? pr[i] : 0;
          scores[at] = i < n ? sc[i] : 0;
        }
      }
    }
  }
}
