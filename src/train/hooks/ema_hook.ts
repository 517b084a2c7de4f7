/**
 * An exponential moving average of the model's parameters, updated after
 * every step: avg ← d·avg + (1 − d)·w, with d = momentum·(1 − exp(−t / warmup))
 * at the t-th update (YOLOX's ramp; d = momentum without warm-up). Buffers
 * (BatchNorm statistics) are not averaged: evaluation on the average uses the
 * model's own, as MMDetection's EMA does by default. The average and the
 * update count are checkpointed (tensors as `hook/ema/<param>`), so a resumed
 * run continues it bit for bit; so is whether evaluation ran on the average
 * (`evaluated`), which tells a checkpoint's readers (eval, infer, export,
 * load_from) to take the averaged weights: those that scored. Runs after the
 * logger and before evaluation and checkpointing.
 */
import { tf, type Tensor, type Variable } from '../../engine/tf.js';
import type { Module } from '../../nn/module.js';
import type { Hook, RunControl } from '../hooks.js';

export interface EmaOptions {
  momentum: number;
  warmup: number;
  /** Evaluation runs on the average (see withAveraged); recorded in checkpoints. */
  evaluate?: boolean;
}

export class EmaHook implements Hook {
  readonly name = 'ema';
  readonly priority = 20;
  private averaged: Map<string, Variable> | undefined;
  private updates = 0;

  constructor(private readonly o: EmaOptions) {
    if (!(o.momentum > 0 && o.momentum < 1)) throw new Error(`ema.momentum must be in (0, 1), got ${o.momentum}`);
    if (!(o.warmup >= 0)) throw new Error(`ema.warmup must be >= 0, got ${o.warmup}`);
  }

  /** The momentum of update `t` (1-based). */
  decay(t: number): number {
    return this.o.warmup === 0 ? this.o.momentum : this.o.momentum * (1 - Math.exp(-t / this.o.warmup));
  }

  beforeRun(run: RunControl): void {
    // A resumed run has its average from the checkpoint already.
    // A variable made from a tensor shares its data until either is assigned: no copy is needed.
    this.averaged ??= new Map(run.model.namedParameters().map(([n, p]) => [n, tf.variable(p, false)]));
  }

  afterStep(run: RunControl): void {
    const averaged = this.averaged!;
    this.updates += 1;
    const d = this.decay(this.updates);
    tf.tidy(() => {
      for (const [n, p] of run.model.namedParameters()) {
        const avg = averaged.get(n)!;
        avg.assign(tf.add(tf.mul(avg, d), tf.mul(p, 1 - d)));
      }
    });
  }

  /** Runs `fn` with the model's parameters replaced by their averages, then puts the trained ones back. */
  async withAveraged<T>(model: Module, fn: () => Promise<T>): Promise<T> {
    const params = model.namedParameters();
    if (this.averaged === undefined) return fn();
    const trained = params.map(([, p]) => p.clone());
    try {
      for (const [n, p] of params) p.assign(this.averaged.get(n)!);
      return await fn();
    } finally {
      params.forEach(([, p], i) => p.assign(trained[i]));
      tf.dispose(trained);
    }
  }

  stateDict(): unknown {
    return { updates: this.updates, evaluated: this.o.evaluate === true };
  }

  loadStateDict(state: unknown): void {
    this.updates = (state as { updates: number }).updates;
  }

  tensorState(): ReadonlyMap<string, Tensor> {
    return this.averaged ?? new Map();
  }

  loadTensorState(tensors: ReadonlyMap<string, Tensor>): void {
    for (const v of this.averaged?.values() ?? []) v.dispose();
    this.averaged = new Map([...tensors].map(([n, t]) => [n, tf.variable(t, false)]));
  }

  dispose(): void {
    for (const v of this.averaged?.values() ?? []) v.dispose();
    this.averaged = undefined;
  }
}
