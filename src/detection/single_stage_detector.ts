/**
 * A one-stage detector: backbone → neck → dense head (mmdet's
 * SingleStageDetector, of which RetinaNet, FCOS, ATSS and PAA are thin
 * names). Supervisors get at the intermediate features through
 * `forwardTrainDetailed` (backbone C-levels, neck P-levels, head outputs) and
 * at the head itself (`detector.head.forward(otherFeatures)`,
 * `detector.head.cloneUnshared()`).
 */
import { ComponentError } from '../config/errors.js';
import { tf, type Tensor4D } from '../engine/tf.js';
import type { Batch, ImageMeta } from '../data/types.js';
import type { Backbone, Neck } from '../nn/backbone.js';
import { Module } from '../nn/module.js';
import type { DenseHead, GroundTruth, HeadOutputs } from './heads/dense_head.js';
import type { Detector, DetectionResult, IterationInfo, LossTerms } from './types.js';

/** Features of one forward pass, finest level first. */
export interface DetectorFeatures {
  /** Backbone outputs (C2..C5 as selected by its out_indices). */
  backbone: Tensor4D[];
  /** Neck outputs (P3..P7 for RetinaNet/FCOS); the backbone's when there is no neck. */
  neck: Tensor4D[];
}

export interface TrainForward {
  losses: LossTerms;
  features: DetectorFeatures;
  headOutputs: HeadOutputs;
}

/** The deployed part of a detector: backbone, neck and head, nothing training-only. */
export class InferenceModel extends Module {
  constructor(readonly backbone: Backbone, readonly neck: Neck | undefined, readonly head: DenseHead) {
    super();
    this.child('backbone', backbone);
    if (neck !== undefined) this.child('neck', neck);
    this.child('head', head);
  }

  extractFeatures(images: Tensor4D): DetectorFeatures {
    const backbone = this.backbone.forward(images);
    return { backbone, neck: this.neck === undefined ? backbone : this.neck.forward(backbone) };
  }

  forward(images: Tensor4D): HeadOutputs {
    return this.head.forwardFeatures(this.extractFeatures(images));
  }
}

export class SingleStageDetector extends Module implements Detector {
  private readonly deployed: InferenceModel;

  constructor(readonly backbone: Backbone, readonly neck: Neck | undefined, readonly head: DenseHead, where = 'model') {
    super();
    checkCompatible(backbone, neck, head, where);
    this.child('backbone', backbone);
    if (neck !== undefined) this.child('neck', neck);
    this.child('head', head);
    this.deployed = new InferenceModel(backbone, neck, head);
  }

  extractFeatures(images: Tensor4D): DetectorFeatures {
    return this.deployed.extractFeatures(images);
  }

  /** Losses plus everything computed on the way, for supervisors. */
  forwardTrainDetailed(batch: Batch): TrainForward {
    const features = this.extractFeatures(batch.images);
    const headOutputs = this.head.forwardFeatures(features);
    return { losses: this.head.loss(headOutputs, groundTruth(batch)), features, headOutputs };
  }

  forwardTrain(batch: Batch, _info: IterationInfo): LossTerms {
    return this.forwardTrainDetailed(batch).losses;
  }

  predict(images: Tensor4D, metas: ImageMeta[]): DetectionResult[] {
    const outs = tf.tidy(() => this.deployed.forward(images));
    try {
      return this.head.predict(outs, metas);
    } finally {
      tf.dispose([...outs.cls, ...outs.reg, ...(outs.quality ?? [])]);
    }
  }

  inferenceModel(): InferenceModel {
    return this.deployed;
  }
}

export function groundTruth(batch: Batch): GroundTruth {
  return { boxes: batch.boxes, labels: batch.labels, ignoreBoxes: batch.ignoreBoxes };
}

/**
 * Levels and channels must line up between the parts (strides too when the
 * backbone feeds the head directly; necks do not declare theirs); a clear
 * error naming the config place otherwise.
 */
function checkCompatible(backbone: Backbone, neck: Neck | undefined, head: DenseHead, where: string): void {
  const feeder = neck ?? backbone;
  const part = neck === undefined ? 'backbone' : 'neck';
  if (feeder.outChannels.length !== head.numLevels) {
    throw new ComponentError(`the ${part} outputs ${feeder.outChannels.length} levels but the head has ${head.numLevels} (strides ${head.strides.join(', ')})`, `${where}.head`);
  }
  if (neck === undefined && backbone.strides.some((s, i) => s !== head.strides[i])) {
    throw new ComponentError(`the backbone outputs strides [${backbone.strides.join(', ')}] but the head expects [${head.strides.join(', ')}]`, `${where}.head`);
  }
  const inC = head.options.tower.inChannels;
  if (feeder.outChannels.some((c) => c !== inC)) {
    throw new ComponentError(`the ${part} outputs channels [${feeder.outChannels.join(', ')}] but in_channels is ${inC}`, `${where}.head.in_channels`);
  }
}
