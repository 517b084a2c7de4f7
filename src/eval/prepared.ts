/**
 * The evaluation input laid out for the per-category kernel: GT and detections
 * filtered to the evaluated images and categories and grouped into buckets
 * (one per category, or a single pooled bucket with `useCats: false`), each
 * bucket ordered by image and then as pycocotools orders `_gts`/`_dts`.
 * All arrays live in SharedArrayBuffers so worker threads read them, and
 * write their slices of the outputs, without copies.
 */
import type { GroundTruth } from './ground_truth.js';
import type { Detections } from './results.js';

export interface PreparedData {
  readonly buckets: number;
  readonly iouThrs: Float64Array;
  readonly recThrs: Float64Array;
  /** Ascending per-image caps. */
  readonly maxDets: Int32Array;
  /** `[lo0, hi0, lo1, hi1, ...]`, inclusive. */
  readonly areaRanges: Float64Array;
  /** GT rows of bucket b are `gtStart[b] .. gtStart[b+1]`. */
  readonly gtStart: Int32Array;
  readonly gtImage: Int32Array;
  readonly gtBox: Float64Array;
  readonly gtArea: Float64Array;
  readonly gtCrowd: Uint8Array;
  /** The `ignore` flag as evaluation uses it (iscrowd, or iscrowd || ignore). */
  readonly gtIgnore: Uint8Array;
  /** 1 unless the GT id is 0, pycocotools' "unmatched" sentinel (spec A.2 pitfall 8). */
  readonly gtIdNonzero: Uint8Array;
  readonly dtStart: Int32Array;
  readonly dtImage: Int32Array;
  readonly dtBox: Float64Array;
  readonly dtScore: Float64Array;
  /** Position of each detection in the results file. */
  readonly dtRow: Int32Array;
  /** GT annotation ids, for per-detection matches. */
  readonly gtId: Float64Array;
  /**
   * Per-detection matches at area "all", `[T, results]`: the matched GT id
   * (pycocotools `dtMatches`, 0 when unmatched) and `dtIgnore`; NaN and 0 for
   * detections not evaluated. Empty unless requested.
   */
  readonly matchGtId: Float64Array;
  readonly matchIgnored: Uint8Array;
  /** Outputs `[T,R,K,A,M]`, `[T,K,A,M]`, `[T,R,K,A,M]`, initialised to -1. */
  readonly precision: Float64Array;
  readonly recall: Float64Array;
  readonly scores: Float64Array;
}

type TypedCtor<T> = { new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };

export function shared<T>(Ctor: TypedCtor<T>, length: number): T {
  return new Ctor(new SharedArrayBuffer(length * Ctor.BYTES_PER_ELEMENT));
}

function indexOf(sortedIds: Float64Array): Map<number, number> {
  const map = new Map<number, number>();
  sortedIds.forEach((id, i) => map.set(id, i));
  return map;
}

/**
 * Row order and bucket offsets: a stable sort by (bucket, image, category,
 * file position) done as three stable counting sorts. With useCats each
 * category is a bucket; pooled, pycocotools concatenates an image's lists
 * category by category in catIds order (cocoeval.py:166-170).
 */
function groupRows(image: Int32Array, category: Int32Array, nImages: number, nCats: number, useCats: boolean) {
  let order = Int32Array.from({ length: image.length }, (_, i) => i);
  const countingSort = (key: Int32Array, nKeys: number): void => {
    const start = new Int32Array(nKeys + 1);
    for (let i = 0; i < order.length; i++) start[key[order[i]] + 1]++;
    for (let k = 0; k < nKeys; k++) start[k + 1] += start[k];
    const next = new Int32Array(order.length);
    for (let i = 0; i < order.length; i++) next[start[key[order[i]]]++] = order[i];
    order = next;
  };
  const bucketStart = new Int32Array((useCats ? nCats : 1) + 1);
  if (useCats) {
    countingSort(image, nImages);
    countingSort(category, nCats);
    for (let i = 0; i < order.length; i++) bucketStart[category[i] + 1]++;
    for (let k = 0; k < nCats; k++) bucketStart[k + 1] += bucketStart[k];
  } else {
    countingSort(category, nCats);
    countingSort(image, nImages);
    bucketStart[1] = order.length;
  }
  return { order, bucketStart };
}

/** Keeps rows whose image and category are evaluated; returns their positions and indices. */
function selectRows(imageIds: Float64Array, categoryIds: Float64Array, imgIndex: Map<number, number>, catIndex: Map<number, number>) {
  const rows = new Int32Array(imageIds.length);
  const image = new Int32Array(imageIds.length);
  const category = new Int32Array(imageIds.length);
  let n = 0;
  for (let i = 0; i < imageIds.length; i++) {
    const ii = imgIndex.get(imageIds[i]);
    const ci = catIndex.get(categoryIds[i]);
    if (ii === undefined || ci === undefined) continue;
    rows[n] = i;
    image[n] = ii;
    category[n] = ci;
    n++;
  }
  return { rows: rows.subarray(0, n), image: image.subarray(0, n), category: category.subarray(0, n) };
}

export interface PrepareParams {
  imgIds: Float64Array;
  catIds: Float64Array;
  iouThrs: Float64Array;
  recThrs: Float64Array;
  maxDets: number[];
  areaRanges: readonly (readonly [number, number])[];
  useCats: boolean;
  honourIgnoreFlag: boolean;
  detectionMatches: boolean;
}

export function prepare(gt: GroundTruth, dt: Detections, p: PrepareParams): PreparedData {
  const imgIndex = indexOf(p.imgIds);
  const catIndex = indexOf(p.catIds);
  const nI = p.imgIds.length;
  const nK = p.catIds.length;
  const ga = gt.annotations;

  const gSel = selectRows(ga.imageId, ga.categoryId, imgIndex, catIndex);
  const gGroup = groupRows(gSel.image, gSel.category, nI, nK, p.useCats);
  const nG = gSel.rows.length;
  const gtImage = shared(Int32Array, nG);
  const gtBox = shared(Float64Array, 4 * nG);
  const gtArea = shared(Float64Array, nG);
  const gtCrowd = shared(Uint8Array, nG);
  const gtIgnore = shared(Uint8Array, nG);
  const gtIdNonzero = shared(Uint8Array, nG);
  const gtId = shared(Float64Array, nG);
  for (let j = 0; j < nG; j++) {
    const sel = gGroup.order[j];
    const row = gSel.rows[sel];
    gtImage[j] = gSel.image[sel];
    for (let c = 0; c < 4; c++) gtBox[4 * j + c] = ga.bbox[4 * row + c];
    gtArea[j] = ga.area[row];
    gtCrowd[j] = ga.iscrowd[row];
    // cocoeval.py:108-109 overwrites `ignore` with `iscrowd`.
    gtIgnore[j] = ga.iscrowd[row] | (p.honourIgnoreFlag ? ga.ignore[row] : 0);
    gtIdNonzero[j] = ga.id[row] !== 0 ? 1 : 0;
    gtId[j] = ga.id[row];
  }

  const dSel = selectRows(dt.imageId, dt.categoryId, imgIndex, catIndex);
  const dGroup = groupRows(dSel.image, dSel.category, nI, nK, p.useCats);
  const nD = dSel.rows.length;
  const dtImage = shared(Int32Array, nD);
  const dtBox = shared(Float64Array, 4 * nD);
  const dtScore = shared(Float64Array, nD);
  const dtRow = shared(Int32Array, nD);
  for (let j = 0; j < nD; j++) {
    const sel = dGroup.order[j];
    const row = dSel.rows[sel];
    dtImage[j] = dSel.image[sel];
    for (let c = 0; c < 4; c++) dtBox[4 * j + c] = dt.bbox[4 * row + c];
    dtScore[j] = dt.score[row];
    dtRow[j] = row;
  }

  const buckets = p.useCats ? nK : 1;
  const T = p.iouThrs.length;
  const R = p.recThrs.length;
  const A = p.areaRanges.length;
  const M = p.maxDets.length;
  const precision = shared(Float64Array, T * R * buckets * A * M).fill(-1);
  const recall = shared(Float64Array, T * buckets * A * M).fill(-1);
  const scores = shared(Float64Array, T * R * buckets * A * M).fill(-1);
  const matchSize = p.detectionMatches ? T * dt.count : 0;
  const copyShared = <T extends Int32Array | Float64Array>(src: T, Ctor: TypedCtor<T>): T => {
    const out = shared(Ctor, src.length);
    (out as Int32Array | Float64Array).set(src);
    return out;
  };
  return {
    buckets,
    iouThrs: copyShared(p.iouThrs, Float64Array),
    recThrs: copyShared(p.recThrs, Float64Array),
    maxDets: copyShared(Int32Array.from(p.maxDets), Int32Array),
    areaRanges: copyShared(Float64Array.from(p.areaRanges.flat()), Float64Array),
    gtStart: copyShared(gGroup.bucketStart, Int32Array),
    gtImage, gtBox, gtArea, gtCrowd, gtIgnore, gtIdNonzero, gtId,
    dtStart: copyShared(dGroup.bucketStart, Int32Array),
    dtImage, dtBox, dtScore, dtRow,
    precision, recall, scores,
    matchGtId: shared(Float64Array, matchSize).fill(NaN),
    matchIgnored: shared(Uint8Array, matchSize),
  };
}
