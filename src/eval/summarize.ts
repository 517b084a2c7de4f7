/**
 * pycocotools' `summarize()` for bbox (cocoeval.py:427-483): the 12 stats, each
 * `mean(s[s > -1])` over a slice of precision or recall, visited in numpy's
 * C order and reduced with numpy's pairwise sum.
 */
import { meanOfValid } from './pairwise_sum.js';
import type { AreaLabel } from './params.js';

export interface StatSpec {
  /** True: AP from precision; false: AR from recall. */
  ap: boolean;
  /** A single IoU threshold (matched by exact equality), or all of them. */
  iouThr?: number;
  area: AreaLabel;
  maxDets: number;
}

/** The 12 detection stats; `ap0MaxDets` is 100 in pycocotools whatever maxDets is (spec A.2 pitfall 2). */
export function statSpecs(maxDets: readonly number[], ap0MaxDets: number): StatSpec[] {
  const last = maxDets[2];
  return [
    { ap: true, area: 'all', maxDets: ap0MaxDets },
    { ap: true, iouThr: 0.5, area: 'all', maxDets: last },
    { ap: true, iouThr: 0.75, area: 'all', maxDets: last },
    { ap: true, area: 'small', maxDets: last },
    { ap: true, area: 'medium', maxDets: last },
    { ap: true, area: 'large', maxDets: last },
    { ap: false, area: 'all', maxDets: maxDets[0] },
    { ap: false, area: 'all', maxDets: maxDets[1] },
    { ap: false, area: 'all', maxDets: last },
    { ap: false, area: 'small', maxDets: last },
    { ap: false, area: 'medium', maxDets: last },
    { ap: false, area: 'large', maxDets: last },
  ];
}

export const STAT_NAMES = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const;

export interface Accumulated {
  precision: Float64Array;
  recall: Float64Array;
  /** [T, R, K, A, M] */
  shape: readonly [number, number, number, number, number];
  iouThrs: Float64Array;
  maxDets: readonly number[];
  areaLabels: readonly AreaLabel[];
}

/**
 * One stat over the categories in `cats` (all of them for the summary, one
 * for a per-class figure). Returns -1 when nothing in the slice is > -1,
 * including when the area label or maxDets value is not evaluated.
 */
export function computeStat(acc: Accumulated, spec: StatSpec, cats?: readonly number[]): number {
  const [T, R, K, A, M] = acc.shape;
  const a = acc.areaLabels.indexOf(spec.area);
  const m = acc.maxDets.indexOf(spec.maxDets);
  if (a < 0 || m < 0) return -1;
  const ts: number[] = [];
  for (let t = 0; t < T; t++) if (spec.iouThr === undefined || acc.iouThrs[t] === spec.iouThr) ts.push(t);
  const ks = cats ?? Array.from({ length: K }, (_, k) => k);
  const values = new Float64Array(ts.length * (spec.ap ? R : 1) * ks.length);
  let n = 0;
  if (spec.ap) {
    for (const t of ts) for (let r = 0; r < R; r++) for (const k of ks) values[n++] = acc.precision[(((t * R + r) * K + k) * A + a) * M + m];
  } else {
    for (const t of ts) for (const k of ks) values[n++] = acc.recall[((t * K + k) * A + a) * M + m];
  }
  return meanOfValid(values);
}

export function computeStats(acc: Accumulated, specs: readonly StatSpec[], cats?: readonly number[]): Float64Array {
  return Float64Array.from(specs, (spec) => computeStat(acc, spec, cats));
}
