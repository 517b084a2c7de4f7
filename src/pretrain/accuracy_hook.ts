/**
 * Logs `train_accuracy` every `interval` steps: the fraction of training
 * images classified correctly since the previous log, read from the
 * classifier's own forward (no second pass). Training images are never
 * repeated, so it is an accuracy on unseen images at the weights of the time.
 */
import { PRIORITY, type Hook, type RunControl, type StepRecord } from '../train/hooks.js';
import type { BackboneClassifier } from './classifier.js';

export class TrainAccuracyHook implements Hook {
  readonly name = 'train_accuracy';
  readonly priority = PRIORITY.high;
  private correct = 0;
  private count = 0;
  /** The last logged value. */
  last = NaN;

  constructor(
    private readonly model: BackboneClassifier,
    private readonly interval: number,
  ) {}

  afterStep(run: RunControl, s: StepRecord): void {
    this.correct += this.model.lastBatch.correct;
    this.count += this.model.lastBatch.count;
    if (s.step % this.interval !== 0 && s.step !== run.maxIters) return;
    this.last = this.correct / this.count;
    run.log([{ step: s.step, metrics: { train_accuracy: this.last } }]);
    this.correct = 0;
    this.count = 0;
  }
}
