/**
 * The contracts between detectors, the runner and supervisors.
 */
import type { Scalar, Tensor4D } from '../engine/tf.js';
import type { Module } from '../nn/module.js';
import type { Batch, ImageMeta } from '../data/types.js';

/** Detections of one image in original-image pixels: boxes `[x1, y1, x2, y2]` packed by four. */
export interface DetectionResult {
  imageId: number;
  boxes: Float32Array;
  scores: Float32Array;
  /** Contiguous class indices (the dataset maps them back to category ids). */
  labels: Int32Array;
}

/** Where training is, for phases and schedules. */
export interface IterationInfo {
  /** 0-based index of the current iteration. */
  iter: number;
  maxIters: number;
}

/** Named loss terms, already weighted; the runner sums them and logs each. */
export type LossTerms = Record<string, Scalar>;

export interface Detector extends Module {
  /** Training-time losses for a batch; called inside the runner's gradient scope. */
  forwardTrain(batch: Batch, info: IterationInfo): LossTerms;
  /** Inference on padded images, mapped back to each image's original pixels. */
  predict(images: Tensor4D, metas: ImageMeta[]): DetectionResult[];
  /** The deployed model: backbone, neck and head only (what inference costs). */
  inferenceModel(): Module;
}

/** A detector whose training supervisors have teachers that can be scored (src/supervision). */
export interface TeacherScoring {
  hasTeacher(): boolean;
  /** Each teacher's detections on a batch (its ground truth included), by metric prefix. */
  predictTeachers(batch: Batch): Record<string, DetectionResult[]>;
  /** `predict` and `predictTeachers` on a batch, sharing one backbone and neck pass. */
  predictWithTeachers(batch: Batch): { student: DetectionResult[]; teachers: Record<string, DetectionResult[]> };
}

export function scoresTeachers(model: unknown): model is TeacherScoring {
  return typeof (model as Partial<TeacherScoring>).predictTeachers === 'function' && (model as TeacherScoring).hasTeacher();
}
