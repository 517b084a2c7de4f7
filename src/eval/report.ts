/** A JSON-ready report of an evaluation: named stats, per-class figures and PR curves. */
import type { CocoEvalResult } from './coco_eval.js';
import { prCurve } from './pr_curve.js';

export interface JsonReport {
  evaluator: string;
  /** The 12 stats by name (AP, AP50, ..., ARl); -1 where undefined, as pycocotools. */
  stats: Record<string, number>;
  deviations: CocoEvalResult['deviations'];
  params: { iouThrs: number[]; recThrs: number[]; maxDets: number[]; areaRanges: Record<string, number[]>; useCats: boolean; images: number; categories: number[] };
  counts: CocoEvalResult['counts'];
  perClass: ({ categoryId: number; name: string } & Record<string, number | string>)[];
  /** PR curves at area "all" and the largest maxDets, for IoU 0.5 and 0.75: the class mean, then per class. */
  prCurves: { iouThr: number; mean: number[]; perClass: { categoryId: number; precision: number[]; scores: number[] }[] }[];
}

export function jsonReport(result: CocoEvalResult): JsonReport {
  const named = (values: Float64Array) => Object.fromEntries(result.statNames.map((name, i) => [name, values[i]]));
  const p = result.params;
  return {
    evaluator: 'detlab cocoeval (pycocotools bbox algorithm)',
    stats: named(result.stats),
    deviations: result.deviations,
    params: {
      iouThrs: Array.from(p.iouThrs),
      recThrs: Array.from(p.recThrs),
      maxDets: p.maxDets,
      areaRanges: Object.fromEntries(p.areaLabels.map((label, a) => [label, [...p.areaRanges[a]]])),
      useCats: p.useCats,
      images: p.imgIds.length,
      categories: Array.from(p.catIds),
    },
    counts: result.counts,
    perClass: result.perClass.map((c) => ({ categoryId: c.categoryId, name: c.name, ...named(c.stats) })),
    prCurves: [0.5, 0.75].map((iouThr) => ({
      iouThr,
      mean: Array.from(prCurve(result, { iouThr }).precision),
      perClass: result.perClass.map((c) => {
        const curve = prCurve(result, { iouThr, categoryId: c.categoryId });
        return { categoryId: c.categoryId, precision: Array.from(curve.precision), scores: Array.from(curve.scores ?? []) };
      }),
    })),
  };
}
