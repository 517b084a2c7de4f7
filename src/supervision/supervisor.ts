/**
 * The supervisor contract: training-only auxiliary supervision attached to a
 * detector (`model.supervisors` in a config).
 *
 * A supervisor component builds a `SupervisorFactory`; the detector builder
 * attaches each factory to the built detector, so the supervisor sees the
 * real backbone, neck and head (channels, levels, the head to reuse). The
 * supervisor's modules are registered under `supervisors.<i>` of the
 * training model and never under the deployed `inferenceModel()`.
 *
 * Each iteration the detector runs its own forward and hands every supervisor
 * a `TrainingContext`; the supervisor returns named, already-weighted loss
 * terms. What changes over time (warm-ups, stop points, dropped gradients) is
 * declared as phases, and extra optimizers as data, both collected by the
 * runner's builders (src/train/build.ts).
 */
import type { Batch } from '../data/types.js';
import type { DenseHead, GroundTruth, HeadOutputs } from '../detection/heads/dense_head.js';
import type { DetectorFeatures } from '../detection/single_stage_detector.js';
import type { DetectionResult, IterationInfo, LossTerms } from '../detection/types.js';
import type { Backbone, Neck } from '../nn/backbone.js';
import type { Module } from '../nn/module.js';
import type { PhaseSpec } from '../train/phases.js';
import type { DeclaredOptimizer } from '../train/types.js';

/** What a supervisor reads at one training iteration. */
export interface TrainingContext {
  /** Padded images, targets (network-input pixels) and image metas. */
  batch: Batch;
  gt: GroundTruth;
  info: IterationInfo;
  /** The detector's own forward: backbone C-levels and neck P-levels. */
  features: DetectorFeatures;
  headOutputs: HeadOutputs;
  /** The detector's head, to run on other features with the same weights. */
  head: DenseHead;
}

/** The detector parts a supervisor is attached to. */
export interface SupervisorHost {
  readonly backbone: Backbone;
  readonly neck: Neck | undefined;
  readonly head: DenseHead;
  /** Dotted prefix of the supervisor's own modules in the training model (`supervisors.0`). */
  readonly prefix: string;
  /** Config place of the supervisor, for messages (`model.supervisors[0]`). */
  readonly where: string;
}

export interface Supervisor {
  /** Short name in metric keys (`diag/<label>/grad_ratio`): `lgd`, `labelenc`, `pixel_contrast`. */
  readonly label: string;
  /** The supervisor's training-only parameters (may hold no parameter at all). */
  readonly module: Module;
  /** Named, weighted loss terms; called inside the runner's gradient scope. */
  losses(ctx: TrainingContext): LossTerms;
  /** Phases with parameter names relative to the training model (`backbone`, `supervisors.0.teacher`). */
  trainingPhases(): PhaseSpec[];
  /** Optimizers of its own over some of its parameters (LGD's teacher). */
  trainingOptimizers(): DeclaredOptimizer[];
  /**
   * Detections of the supervisor's teacher, for one that has one: the head
   * run on the teacher's features, built from the ground truth as in
   * training. Scored beside the student's as `teacher/<stat>` (official LGD's
   * EVAL_TEACHER), it tells whether the teacher has overtaken the student.
   */
  teacherPredict?(batch: Batch, gt: GroundTruth, features: DetectorFeatures): DetectionResult[];
}

/** What a `kind: 'supervisor'` component builds. */
export interface SupervisorFactory {
  attach(host: SupervisorHost): Supervisor;
}
