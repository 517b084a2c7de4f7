/**
 * pycocotools' `computeIoU` and `evaluateImg` for one (image, category) cell
 * (cocoeval.py:164-189, 240-310): box IoU once, then greedy matching per area
 * range and IoU threshold, recorded as one code per detection.
 */
import type { PreparedData } from './prepared.js';
import type { Scratch } from './scratch.js';

export const FP = 0;
export const TP = 1;
export const IGNORED = 2;
const MAX_IOU_THRESHOLD = 1 - 1e-10;

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

export interface CellBuffers {
  /** Per (area, threshold, kept detection) of the category: FP, TP or IGNORED at `(a*T + t)*stride + d`. */
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

/** Stores a detection's match at threshold t: `dtMatches` (the GT id, 0 for none) and `dtIgnore`. */
function recordMatch(data: PreparedData, keptRow: number, t: number, gtId: number, code: number): void {
  const at = t * (data.matchGtId.length / data.iouThrs.length) + data.dtRow[keptRow];
  data.matchGtId[at] = gtId;
  data.matchIgnored[at] = code === IGNORED ? 1 : 0;
}

/**
 * evaluateImg for one (image, category) cell and every area range: the kept
 * detections are `kept[first .. first+nd]`, the GT rows `gs .. gs+ng` in file order.
 */
export function matchCell(data: PreparedData, c: CellBuffers, first: number, nd: number, gs: number, ng: number): void {
  const { iouThrs, areaRanges, gtArea, gtIgnore, gtCrowd, gtIdNonzero, dtBox } = data;
  const T = iouThrs.length;
  const A = areaRanges.length / 2;
  const { codes, stride, kept, outCode, ign, gtOrder, taken } = c;
  const record = data.matchGtId.length > 0;
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
        if (a === 0 && record) for (let d = 0; d < nd; d++) recordMatch(data, kept[first + d], t, 0, outCode[d]);
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
          if (a === 0 && record) recordMatch(data, kept[first + d], t, 0, outCode[d]);
          continue;
        }
        taken[m] = 1;
        const g = gtOrder[m];
        // dtm holds the matched GT's id with 0 meaning "unmatched", so a match
        // to a GT whose id is 0 is scored as unmatched.
        const code = ign[g] ? IGNORED : gtIdNonzero[gs + g] ? TP : outCode[d];
        codes[base + d] = code;
        if (a === 0 && record) recordMatch(data, kept[first + d], t, data.gtId[gs + g], code);
      }
    }
  }
}
