/**
 * How hard each loss pulls on the features the detector and its supervisors
 * share: the gradient that the detection loss and each supervisor's terms
 * (weighted as in training) put on the neck outputs, or on the backbone
 * outputs (`tap: backbone`, for a supervisor that also reads them, such as
 * PixelContrast's InfoNCE). A ratio far above 1 means the auxiliary loss
 * drives the shared features more than the task does.
 *
 * Groups: the detection loss, each supervisor's weighted terms together, and
 * each of its terms apart when it has several (`diag/lgd/loss_distill/...`).
 * Cost: a forward of the head and the supervisor per group, with its backward
 * pass to the tap (not to the parameters); the backbone and neck run once
 * more (`tap: neck`) or once per group (`tap: backbone`).
 */
import { tf, type Scalar, type Tensor, type Tensor4D } from '../engine/tf.js';
import type { Batch } from '../data/types.js';
import type { DetectorFeatures } from '../detection/single_stage_detector.js';
import type { IterationInfo, LossTerms } from '../detection/types.js';
import type { Neck } from '../nn/backbone.js';
import type { DiagnosticTap } from '../train/train.section.js';
import { uniqueLabels } from './supervisor_modules.js';

/** What the diagnostics read of a supervised detector (SupervisedDetector and SupervisedDETR are ones). */
export interface DiagnosedModel {
  readonly neck: Neck | undefined;
  readonly supervisors: readonly { readonly label: string }[];
  extractFeatures(images: Tensor4D): DetectorFeatures;
  /** The detector's own loss terms computed from these features. */
  detectionLossFrom(features: DetectorFeatures, batch: Batch): LossTerms;
  /** Supervisor `i`'s loss terms computed from these features. */
  supervisorLossFrom(i: number, features: DetectorFeatures, batch: Batch, info: IterationInfo): LossTerms;
}

/** The factor each loss term carries at this iteration (the phases' loss weights). */
export type TermWeight = (term: string) => number;

/** `diag/detection/grad_norm`, and per supervisor `diag/<label>/grad_norm`, `grad_ratio` (to the detection's) and `grad_cos`. */
export function supervisionGradients(model: DiagnosedModel, batch: Batch, info: IterationInfo, weight: TermWeight, tap: DiagnosticTap): Record<string, number> {
  return tf.tidy(() => {
    const base = model.extractFeatures(batch.images);
    const inputs = tap === 'neck' ? base.neck : base.backbone;
    const featuresFrom = (levels: Tensor4D[]): DetectorFeatures => {
      if (tap === 'neck') return { backbone: base.backbone, neck: levels };
      return { backbone: levels, neck: model.neck === undefined ? levels : model.neck.forward(levels) };
    };
    const gradientOf = (terms: (features: DetectorFeatures) => LossTerms): Tensor[] =>
      tf.grads((...levels: Tensor[]) => {
        const parts = Object.entries(terms(featuresFrom(levels as Tensor4D[])))
          .map(([name, t]) => [t, weight(name)] as const)
          .filter(([, w]) => w !== 0)
          .map(([t, w]) => tf.mul(t, w) as Scalar);
        // A zero-weighted path to every level, so a group that does not reach the tap yields zeros, not an error.
        const anchor = tf.mul(tf.addN(levels.map((l) => tf.sum(l))), 0) as Scalar;
        return tf.addN([anchor, ...parts]);
      })(inputs);

    const detection = gradientOf((f) => model.detectionLossFrom(f, batch));
    const detectionNorm = norm(detection);
    const out: Record<string, number> = { 'diag/detection/grad_norm': detectionNorm };
    const labels = uniqueLabels(model.supervisors.map((s) => s.label));
    const record = (key: string, g: Tensor[]): void => {
      const n = norm(g);
      out[`${key}/grad_norm`] = n;
      out[`${key}/grad_ratio`] = detectionNorm > 0 ? n / detectionNorm : Number.NaN;
      out[`${key}/grad_cos`] = n > 0 && detectionNorm > 0 ? dot(g, detection) / (n * detectionNorm) : Number.NaN;
    };
    model.supervisors.forEach((_, i) => {
      let returned: string[] = [];
      const terms = (features: DetectorFeatures): LossTerms => {
        const t = model.supervisorLossFrom(i, features, batch, info);
        returned = Object.keys(t);
        return t;
      };
      record(`diag/${labels[i]}`, gradientOf(terms));
      // Each weighted term apart too (LGD's teacher loss reaches the features through the appearance encoder, its distillation through the adapter).
      const names = returned.filter((t) => weight(t) !== 0);
      if (names.length > 1) for (const name of names) record(`diag/${labels[i]}/${name}`, gradientOf((f) => ({ [name]: terms(f)[name] })));
    });
    for (const [k, v] of Object.entries(out)) if (!Number.isFinite(v)) delete out[k];
    return out;
  });
}

function norm(levels: Tensor[]): number {
  return Math.sqrt(dot(levels, levels));
}

function dot(a: Tensor[], b: Tensor[]): number {
  return tf.addN(a.map((t, i) => tf.sum(tf.mul(t, b[i])))).dataSync()[0];
}
