/**
 * A toy model and data source that exercise the runner like a detector does:
 * nn layers (Linear, LayerNorm), two named loss terms, randomness drawn from
 * the run's RNG inside forwardTrain, and a resumable in-memory batch stream.
 */
import { tf, type Scalar, type Tensor2D } from '../../src/engine/tf.js';
import type { IterationInfo, LossTerms } from '../../src/detection/types.js';
import { LayerNorm } from '../../src/nn/layer_norm.js';
import { Linear } from '../../src/nn/linear.js';
import { Module } from '../../src/nn/module.js';
import { Rng } from '../../src/train/rng.js';
import type { BatchSource, TrainModel } from '../../src/train/types.js';

export interface ToyBatch {
  x: Tensor2D;
  y: Tensor2D;
}

export class ToyModel extends Module implements TrainModel<ToyBatch> {
  readonly backbone: Linear;
  readonly norm: LayerNorm;
  readonly head: Linear;
  /** When set, `loss_aux` becomes NaN at this 0-based iteration. */
  nanAt?: number;

  constructor(
    private readonly rng: Rng,
    initSeed = 7,
  ) {
    super();
    this.backbone = this.child('backbone', new Linear(4, 6));
    this.norm = this.child('norm', new LayerNorm(6));
    this.head = this.child('head', new Linear(6, 1));
    const init = new Rng(initSeed);
    for (const [, v] of this.namedParameters()) {
      tf.tidy(() => v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => 0.5 * init.normal()), v.shape)));
    }
  }

  forwardTrain(batch: ToyBatch, info: IterationInfo): LossTerms {
    // Input noise from the run's RNG, as an augmentation inside a supervisor would draw it.
    const noise = tf.tensor2d(Float32Array.from({ length: batch.x.size }, () => 0.05 * this.rng.normal()), batch.x.shape);
    const h = tf.relu(this.norm.forward(this.backbone.forward(tf.add(batch.x, noise))));
    const pred = this.head.forward(h);
    const lossMse = tf.mean(tf.square(tf.sub(pred, batch.y))) as Scalar;
    let lossAux = tf.mul(tf.mean(tf.square(h)), 0.01) as Scalar;
    if (this.nanAt === info.iter) lossAux = tf.mul(lossAux, NaN) as Scalar;
    return { loss_mse: lossMse, loss_aux: lossAux };
  }
}

/** 24 fixed samples, reshuffled each epoch from (seed, epoch); the state is the position. */
export class ToyData implements BatchSource<ToyBatch> {
  readonly batchSize = 4;
  private readonly xs: number[][];
  private readonly ys: number[];
  private epoch = 0;
  private pos = 0;
  private order: number[] = [];

  constructor(private readonly seed = 3) {
    const r = new Rng(seed);
    this.xs = Array.from({ length: 24 }, () => Array.from({ length: 4 }, () => r.normal()));
    this.ys = this.xs.map((x) => x[0] - 2 * x[1] + 0.5 * x[2] * x[3]);
    this.reshuffle();
  }

  private reshuffle(): void {
    this.order = new Rng(this.seed * 1000 + this.epoch).shuffle([...this.xs.keys()]);
  }

  next(): ToyBatch {
    if (this.pos + this.batchSize > this.order.length) {
      this.epoch += 1;
      this.pos = 0;
      this.reshuffle();
    }
    const idx = this.order.slice(this.pos, this.pos + this.batchSize);
    this.pos += this.batchSize;
    return {
      x: tf.tensor2d(idx.map((i) => this.xs[i])),
      y: tf.tensor2d(idx.map((i) => [this.ys[i]])),
    };
  }

  state(): unknown {
    return { epoch: this.epoch, pos: this.pos };
  }

  loadState(state: unknown): void {
    const s = state as { epoch: number; pos: number };
    this.epoch = s.epoch;
    this.pos = s.pos;
    this.reshuffle();
  }
}
