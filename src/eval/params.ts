/**
 * Evaluation parameters of pycocotools' `Params.setDetParams` (bbox), with the
 * exact doubles numpy produces for its thresholds.
 */

/**
 * `np.linspace(start, stop, num)` bit for bit: numpy computes `i*step + start`
 * with `step = (stop-start)/(num-1)` and then writes `stop` into the last slot.
 * So `linspace(0.5, 0.95, 10)[8]` is 0.8999999999999999 and `linspace(0, 1, 101)[35]`
 * is 0.35000000000000003; literals or `i/100` would change matching and
 * searchsorted results at exact boundaries.
 */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

export const AREA_LABELS = ['all', 'small', 'medium', 'large'] as const;
export type AreaLabel = (typeof AREA_LABELS)[number];

/** `[lo, hi]` per area label, both bounds inclusive (`0**2, 32**2, 96**2, 1e5**2`). */
export const AREA_RANGES: readonly (readonly [number, number])[] = [
  [0, 1e10],
  [0, 1024],
  [1024, 9216],
  [9216, 1e10],
];

/** The IoU thresholds `np.linspace(.5, .95, 10)`. */
export const IOU_THRESHOLDS = linspace(0.5, 0.95, 10);
/** The recall thresholds `np.linspace(0, 1, 101)`. */
export const RECALL_THRESHOLDS = linspace(0, 1, 101);
export const DEFAULT_MAX_DETS: readonly number[] = [1, 10, 100];

/**
 * Options of an evaluation. Everything defaults to pycocotools' behaviour;
 * the two flags that deviate from it are off by default and are recorded in
 * the result when on.
 */
export interface EvalOptions {
  /** Evaluate only these image ids (pycocotools `params.imgIds`); default every GT image. */
  imgIds?: readonly number[];
  /** Evaluate only these category ids (`params.catIds`); default every GT category. */
  catIds?: readonly number[];
  /** Per-image detection caps, three values (`params.maxDets`); default [1, 10, 100]. */
  maxDets?: readonly number[];
  /** `params.useCats`: false pools all categories per image (proposal recall). Default true. */
  useCats?: boolean;
  /**
   * Deviation: treat a GT with a truthy `ignore` field as ignored. pycocotools
   * overwrites `ignore` with `iscrowd` (cocoeval.py:108-109), so the field has no effect there.
   */
  honourIgnoreFlag?: boolean;
  /**
   * Deviation: compute stats[0] at the largest maxDets instead of the
   * hard-coded 100 (pycocotools gives -1 there when 100 is not in maxDets).
   */
  apAtLastMaxDets?: boolean;
  /** Also return each detection's matched GT id and ignore flag per IoU threshold (area "all"). */
  detectionMatches?: boolean;
  /** Worker threads beside the calling thread, which works too; 0 runs in-process. Default: by input size and cores. */
  workers?: number;
}

/** The parameters an evaluation actually ran with, as stored in its result. */
export interface ResolvedParams {
  imgIds: Float64Array;
  catIds: Float64Array;
  iouThrs: Float64Array;
  recThrs: Float64Array;
  maxDets: number[];
  areaRanges: (readonly [number, number])[];
  areaLabels: AreaLabel[];
  useCats: boolean;
}

/** The deviations from pycocotools that were switched on (empty: pycocotools-exact). */
export interface Deviations {
  honourIgnoreFlag?: true;
  apAtLastMaxDets?: true;
}
