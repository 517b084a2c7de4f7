/**
 * COCO bbox evaluation of a detector on a validation loader: predictions in
 * original-image pixels become COCO results, scored by src/eval (pycocotools'
 * numbers). Used by the EvalHook during training and by
 * `detlab eval CONFIG --checkpoint CKPT`.
 */
import { inScope } from '../engine/step.js';
import { yieldToEventLoop } from './event_loop.js';
import type { DetectionDataset } from '../data/dataset.js';
import type { Batch } from '../data/types.js';
import { scoresTeachers, type DetectionResult, type Detector } from '../detection/types.js';
import { evaluateCoco, loadGroundTruth, loadResults, type CocoEvalResult } from '../eval/index.js';
import { CountProgress, type ProgressStream } from './progress.js';

/** MMDetection's metric names for pycocotools' 12 stats, in order. */
export const BBOX_METRICS = [
  'bbox_mAP', 'bbox_mAP_50', 'bbox_mAP_75', 'bbox_mAP_s', 'bbox_mAP_m', 'bbox_mAP_l',
  'bbox_AR_1', 'bbox_AR_10', 'bbox_AR_100', 'bbox_AR_s', 'bbox_AR_m', 'bbox_AR_l',
] as const;

export interface CocoResult {
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  score: number;
}

export interface DetectorEvaluation {
  metrics: Record<string, number>;
  result: CocoEvalResult;
  /** The COCO results file content, for the run's artifacts. */
  detections: CocoResult[];
  /** The dataset evaluated on (its records, classes and category ids). */
  dataset: DetectionDataset;
}

export interface EvaluateOptions {
  /**
   * Also score the supervisors' teachers (the head on teacher features built
   * from the ground truth), as `teacher/<stat>` beside the student's stats.
   */
  teachers?: boolean;
  /** Where the progress bar is drawn (a terminal only). */
  progressOut?: ProgressStream;
}

export async function evaluateDetector(model: Detector, batches: AsyncIterable<Batch>, dataset: DetectionDataset, options: EvaluateOptions = {}): Promise<DetectorEvaluation> {
  const detections: CocoResult[] = [];
  const progress = new CountProgress('eval', dataset.length, options.progressOut);
  const teacherDetections = new Map<string, CocoResult[]>();
  const withTeachers = options.teachers === true && scoresTeachers(model) ? model : undefined;
  const collect = (into: CocoResult[], results: readonly DetectionResult[]): void => {
    for (const r of results) {
      for (let i = 0; i < r.scores.length; i++) {
        const [x1, y1, x2, y2] = r.boxes.subarray(4 * i, 4 * i + 4);
        into.push({ image_id: r.imageId, category_id: dataset.labelToCategoryId(r.labels[i]), bbox: [x1, y1, x2 - x1, y2 - y1], score: r.scores[i] });
      }
    }
  };
  for await (const batch of batches) {
    await yieldToEventLoop();
    try {
      if (withTeachers === undefined) {
        collect(detections, inScope(() => model.predict(batch.images, batch.metas)));
      } else {
        const { student, teachers } = inScope(() => withTeachers.predictWithTeachers(batch));
        collect(detections, student);
        for (const [prefix, results] of Object.entries(teachers)) {
          if (!teacherDetections.has(prefix)) teacherDetections.set(prefix, []);
          collect(teacherDetections.get(prefix)!, results);
        }
      }
    } finally {
      batch.images.dispose();
      batch.secondView?.images.dispose();
    }
    progress.advance(batch.metas.length);
  }
  progress.finish();
  const gt = loadGroundTruth(dataset.cocoGt(), dataset.source);
  const result = await evaluateCoco(gt, loadResults(detections, gt, `detections of ${dataset.source}`));
  const metrics = namedStats(result.stats, '');
  for (const [prefix, dets] of teacherDetections) {
    const teacher = await evaluateCoco(gt, loadResults(dets, gt, `${prefix} detections of ${dataset.source}`));
    Object.assign(metrics, namedStats(teacher.stats, `${prefix}/`));
  }
  return { metrics, result, detections, dataset };
}

function namedStats(stats: ArrayLike<number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  BBOX_METRICS.forEach((name, i) => (out[`${prefix}${name}`] = stats[i]));
  return out;
}
