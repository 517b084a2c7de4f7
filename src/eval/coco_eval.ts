/**
 * COCO bbox evaluation with pycocotools' numbers, bit for bit
 * (specs/cocoeval.md): `evaluateCoco(gt, detections)` runs evaluate(),
 * accumulate() and summarize() and returns the 12 stats together with the
 * full precision/recall/scores arrays and per-class figures.
 */
import { UserError } from '../config/errors.js';
import { defaultThreads, runBuckets } from './bucket_queue.js';
import { loadGroundTruth, type GroundTruth } from './ground_truth.js';
import {
  AREA_LABELS,
  AREA_RANGES,
  DEFAULT_MAX_DETS,
  IOU_THRESHOLDS,
  RECALL_THRESHOLDS,
  type Deviations,
  type EvalOptions,
  type ResolvedParams,
} from './params.js';
import { prepare } from './prepared.js';
import { readJsonFile } from './read_json.js';
import { loadResults, type Detections } from './results.js';
import { computeStats, STAT_NAMES, statSpecs, type Accumulated, type StatSpec } from './summarize.js';

export interface ClassResult {
  /** The category id (-1 for the pooled bucket with `useCats: false`). */
  categoryId: number;
  name: string;
  /** The 12 stats restricted to this category; -1 where it has no GT. */
  stats: Float64Array;
}

/**
 * How each result-file detection fared at area "all", per IoU threshold, as
 * pycocotools' evalImgs record it: arrays `[T, results]` indexed by threshold
 * and then by the detection's position in the results file.
 */
export interface DetectionMatches {
  /** The id of the GT it matched (`dtMatches`), 0 for none; NaN when not evaluated (category not evaluated, or past maxDets in its image). */
  gtId: Float64Array;
  /** 1 when it counts neither as TP nor FP (`dtIgnore`: matched a crowd/ignored GT, or unmatched outside the area range). */
  ignored: Uint8Array;
}

export interface CocoEvalResult extends Accumulated {
  /** The 12 summary stats in pycocotools' order (see `statNames`). */
  stats: Float64Array;
  statNames: readonly string[];
  statSpecs: readonly StatSpec[];
  /** precision[T,R,K,A,M], -1 where a category has no GT in that area. */
  precision: Float64Array;
  /** recall[T,K,A,M]. */
  recall: Float64Array;
  recallShape: readonly [number, number, number, number];
  /** The detection score at each precision entry, same shape. */
  scores: Float64Array;
  params: ResolvedParams;
  /** Deviations from pycocotools that were on; `{}` means the numbers are pycocotools'. */
  deviations: Deviations;
  perClass: ClassResult[];
  /** Per-detection matches, with `detectionMatches: true`. */
  matches?: DetectionMatches;
  /** What was evaluated after filtering to the evaluated images and categories. */
  counts: { images: number; categories: number; groundTruth: number; detections: number };
}

function distinctSorted(values: readonly number[], where: string): Float64Array {
  for (const v of values) if (typeof v !== 'number' || !Number.isFinite(v)) throw new UserError(`${where}: ${JSON.stringify(v)} is not a number`);
  return Float64Array.from(new Set(values)).sort();
}

function resolveMaxDets(maxDets: readonly number[] | undefined): number[] {
  const list = [...(maxDets ?? DEFAULT_MAX_DETS)].sort((a, b) => a - b);
  if (list.length !== 3 || list.some((m) => !Number.isInteger(m) || m < 1)) {
    throw new UserError(`maxDets must be three positive integers (summarize() reads maxDets[0..2]), got ${JSON.stringify(maxDets)}`);
  }
  return list;
}

export function resolveParams(gt: GroundTruth, options: EvalOptions = {}): ResolvedParams {
  const useCats = options.useCats ?? true;
  return {
    imgIds: options.imgIds ? distinctSorted(options.imgIds, 'imgIds') : gt.imageIds.slice(),
    catIds: options.catIds ? distinctSorted(options.catIds, 'catIds') : gt.categoryIds.slice(),
    iouThrs: IOU_THRESHOLDS.slice(),
    recThrs: RECALL_THRESHOLDS.slice(),
    maxDets: resolveMaxDets(options.maxDets),
    areaRanges: AREA_RANGES.map((r) => [r[0], r[1]] as const),
    areaLabels: [...AREA_LABELS],
    useCats,
  };
}

export async function evaluateCoco(gt: GroundTruth, dt: Detections, options: EvalOptions = {}): Promise<CocoEvalResult> {
  const params = resolveParams(gt, options);
  const deviations: Deviations = {};
  if (options.honourIgnoreFlag) deviations.honourIgnoreFlag = true;
  if (options.apAtLastMaxDets) deviations.apAtLastMaxDets = true;

  const data = prepare(gt, dt, { ...params, honourIgnoreFlag: deviations.honourIgnoreFlag === true, detectionMatches: options.detectionMatches === true });
  if (options.workers !== undefined && (!Number.isInteger(options.workers) || options.workers < 0)) {
    throw new UserError(`workers must be a non-negative integer, got ${options.workers}`);
  }
  const threads = options.workers === undefined ? defaultThreads(data) : options.workers + 1;
  await runBuckets(data, threads);

  const T = params.iouThrs.length;
  const R = params.recThrs.length;
  const K = data.buckets;
  const A = params.areaRanges.length;
  const M = params.maxDets.length;
  const acc: Accumulated = {
    precision: data.precision,
    recall: data.recall,
    shape: [T, R, K, A, M],
    iouThrs: params.iouThrs,
    maxDets: params.maxDets,
    areaLabels: params.areaLabels,
  };
  const specs = statSpecs(params.maxDets, deviations.apAtLastMaxDets ? params.maxDets[2] : 100);
  const bucketIds = params.useCats ? Array.from(params.catIds) : [-1];
  const perClass = bucketIds.map((categoryId, k) => ({
    categoryId,
    name: gt.categoryNames.get(categoryId) ?? (params.useCats ? '' : 'all categories'),
    stats: computeStats(acc, specs, [k]),
  }));
  return {
    ...acc,
    stats: computeStats(acc, specs),
    statNames: STAT_NAMES,
    statSpecs: specs,
    recallShape: [T, K, A, M],
    scores: data.scores,
    params,
    deviations,
    perClass,
    ...(options.detectionMatches ? { matches: { gtId: data.matchGtId, ignored: data.matchIgnored } } : {}),
    counts: { images: params.imgIds.length, categories: params.catIds.length, groundTruth: data.gtImage.length, detections: data.dtImage.length },
  };
}

/** Reads, validates and evaluates a GT file and a results file. */
export async function evaluateCocoFiles(gtPath: string, dtPath: string, options: EvalOptions = {}): Promise<CocoEvalResult> {
  const gt = loadGroundTruth(await readJsonFile(gtPath, 'COCO ground truth'), gtPath);
  const dt = loadResults(await readJsonFile(dtPath, 'COCO results'), gt, dtPath);
  return evaluateCoco(gt, dt, options);
}
