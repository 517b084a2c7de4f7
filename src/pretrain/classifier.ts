/**
 * A backbone with torchvision's classification head: global average pooling
 * of the last feature map, then `fc` (a Linear, torch layout). Trained by the
 * runner like a detector (softmax cross-entropy is its one loss term); the
 * backbone and `fc` then export under torchvision's names (torchvision_export.ts).
 */
import { tf, type Scalar, type Tensor, type Tensor2D, type Tensor4D } from '../engine/tf.js';
import { softmaxCrossEntropy } from '../detection/losses/cross_entropy.js';
import type { LossTerms } from '../detection/types.js';
import type { Backbone } from '../nn/backbone.js';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import type { TrainModel } from '../train/types.js';
import type { ClassificationBatch } from './shapes_classification.js';

export class BackboneClassifier extends Module implements TrainModel<ClassificationBatch> {
  readonly backbone: Backbone;
  readonly fc: Linear;
  /** Correct predictions and images of the last training batch (train accuracy without a second forward). */
  lastBatch = { correct: 0, count: 0 };

  constructor(backbone: Backbone, readonly numClasses: number) {
    super();
    this.backbone = this.child('backbone', backbone);
    const channels = backbone.outChannels[backbone.outChannels.length - 1];
    if (channels === undefined) throw new Error('the backbone returns no feature map to classify');
    this.fc = this.child('fc', new Linear(channels, numClasses));
  }

  /** Class logits `[N, numClasses]` from the backbone's last (coarsest) map. */
  logits(images: Tensor4D): Tensor2D {
    const maps = this.backbone.forward(images);
    return this.fc.forward(tf.mean(maps[maps.length - 1] as Tensor4D, [1, 2]) as Tensor2D);
  }

  /** Mean softmax cross-entropy of `logits` against `labels`, and the number of correct argmaxes. */
  static score(logits: Tensor2D, labels: Int32Array, numClasses: number): { loss: Scalar; correct: number } {
    const target = tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses);
    const loss = tf.mean(softmaxCrossEntropy(logits, target)) as Scalar;
    const predicted = tf.argMax(logits, 1).dataSync();
    return { loss, correct: labels.reduce((n, label, i) => n + (predicted[i] === label ? 1 : 0), 0) };
  }

  forwardTrain(batch: ClassificationBatch): LossTerms {
    const { loss, correct } = BackboneClassifier.score(this.logits(batch.images), batch.labels, this.numClasses);
    this.lastBatch = { correct, count: batch.labels.length };
    return { loss_cls: loss };
  }
}

/** Accuracy and mean loss over batches, in eval mode (the caller sets it); every tensor is freed. */
export function evaluateClassifier(model: BackboneClassifier, batches: Iterable<ClassificationBatch>): { accuracy: number; loss: number } {
  let correct = 0;
  let count = 0;
  let lossSum = 0;
  for (const batch of batches) {
    const n = batch.labels.length;
    const scored = tf.tidy((): Tensor => {
      const s = BackboneClassifier.score(model.logits(batch.images), batch.labels, model.numClasses);
      correct += s.correct;
      return s.loss;
    });
    lossSum += scored.dataSync()[0] * n;
    count += n;
    scored.dispose();
    batch.images.dispose();
  }
  return { accuracy: count === 0 ? NaN : correct / count, loss: count === 0 ? NaN : lossSum / count };
}
