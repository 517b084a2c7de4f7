/**
 * DETR (Carion et al. 2020): backbone → transformer-encoder neck → decoder
 * head with set-prediction losses. The head reads the neck's first output
 * (the encoded lowest-resolution map).
 */
import { ComponentError } from '../../config/errors.js';
import { tf, type Tensor4D } from '../../engine/tf.js';
import type { Batch, ImageMeta } from '../../data/types.js';
import type { Backbone, Neck } from '../../nn/backbone.js';
import { Module } from '../../nn/module.js';
import { groundTruth, type DetectorFeatures } from '../single_stage_detector.js';
import type { Detector, DetectionResult, IterationInfo, LossTerms } from '../types.js';
import type { DETRHead, SetPredictions } from './detr_head.js';

export class DETRInferenceModel extends Module {
  constructor(readonly backbone: Backbone, readonly neck: Neck, readonly head: DETRHead) {
    super();
    this.child('backbone', backbone);
    this.child('neck', neck);
    this.child('head', head);
  }

  extractFeatures(images: Tensor4D): DetectorFeatures {
    const backbone = this.backbone.forward(images);
    return { backbone, neck: this.neck.forward(backbone) };
  }

  forward(images: Tensor4D): SetPredictions {
    return this.head.forward(this.extractFeatures(images).neck[0]);
  }
}

export interface DETRTrainForward {
  losses: LossTerms;
  features: DetectorFeatures;
  predictions: SetPredictions;
}

export class DETR extends Module implements Detector {
  private readonly deployed: DETRInferenceModel;

  constructor(readonly backbone: Backbone, readonly neck: Neck, readonly head: DETRHead, where = 'model') {
    super();
    const e = head.options.embedDims;
    if (neck.outChannels[0] !== e) throw new ComponentError(`the neck's first output has ${neck.outChannels[0]} channels but head.embed_dims is ${e}`, where);
    this.child('backbone', backbone);
    this.child('neck', neck);
    this.child('head', head);
    this.deployed = new DETRInferenceModel(backbone, neck, head);
  }

  extractFeatures(images: Tensor4D): DetectorFeatures {
    return this.deployed.extractFeatures(images);
  }

  forwardTrainDetailed(batch: Batch): DETRTrainForward {
    const features = this.deployed.extractFeatures(batch.images);
    const predictions = this.head.forward(features.neck[0]);
    return { losses: this.head.loss(predictions, groundTruth(batch), batch.metas), features, predictions };
  }

  forwardTrain(batch: Batch, _info: IterationInfo): LossTerms {
    return this.forwardTrainDetailed(batch).losses;
  }

  predict(images: Tensor4D, metas: ImageMeta[]): DetectionResult[] {
    const preds = tf.tidy(() => this.deployed.forward(images));
    try {
      return this.head.predict(preds, metas);
    } finally {
      tf.dispose([...preds.logits, ...preds.boxes]);
    }
  }

  inferenceModel(): DETRInferenceModel {
    return this.deployed;
  }
}
