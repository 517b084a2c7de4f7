/** COCO bbox evaluation (pycocotools-exact): the public API of `src/eval`. */
export { evaluateCoco, evaluateCocoFiles, resolveParams, type ClassResult, type CocoEvalResult, type DetectionMatches } from './coco_eval.js';
export { loadGroundTruth, type GroundTruth, type GroundTruthAnnotations } from './ground_truth.js';
export { loadResults, type Detections } from './results.js';
export { readJsonFile } from './read_json.js';
export {
  AREA_LABELS,
  AREA_RANGES,
  DEFAULT_MAX_DETS,
  IOU_THRESHOLDS,
  RECALL_THRESHOLDS,
  linspace,
  type AreaLabel,
  type Deviations,
  type EvalOptions,
  type ResolvedParams,
} from './params.js';
export { STAT_NAMES, type StatSpec } from './summarize.js';
export { numpyMean, pairwiseSum } from './pairwise_sum.js';
export { formatFixed3, formatPerClass, formatSummary } from './format.js';
export { prCurve, type PrCurve, type PrCurveQuery } from './pr_curve.js';
export { jsonReport, type JsonReport } from './report.js';
