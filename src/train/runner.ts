/**
 * The training loop. It only sequences: phases switch, hooks run, a step
 * runs. Everything a method varies (loss weights over time, dropped
 * gradients, optimizers per parameter group, evaluation, checkpoints, logs)
 * arrives as data or as hooks.
 */
import { join } from 'node:path';
import { tf, type Tensor, type Variable } from '../engine/tf.js';
import type { Module } from '../nn/module.js';
import { CHECKPOINT_FORMAT, checkpointName, loadCheckpoint, saveCheckpoint, type CheckpointState } from './checkpoint.js';
import { HookList, type Hook, type RunControl, type RunOutcome } from './hooks.js';
import { MetricsLog, type MetricsRecord, type MetricsWriter } from './metrics_log.js';
import type { PhasePlan } from './phases.js';
import type { Rng } from './rng.js';
import { trainStep, type OptimizerEntry } from './train_step.js';
import { yieldToEventLoop } from './event_loop.js';
import type { BatchSource, TrainModel } from './types.js';

export interface RunnerOptions<B> {
  model: TrainModel<B>;
  data: BatchSource<B>;
  optimizers: OptimizerEntry[];
  phases: PhasePlan;
  maxIters: number;
  /** The run's generator; models and supervisors built for this run hold the same object. */
  rng: Rng;
  runDir: string;
  hooks?: Hook[];
  /** Runs the evaluation (the model is in eval mode meanwhile). */
  evaluate?: (model: Module) => Promise<Record<string, number>>;
  /** Writes the metrics lines instead of the runner's own appends: the MLflow tracker's `logMetrics`. */
  metricsWriter?: MetricsWriter;
  print?: (line: string) => void;
  /** A checkpoint directory to continue from. */
  resumeFrom?: string;
  /** The checkpoint's max_iters when the resumed run is being extended to `maxIters` (extend_run.ts). */
  extendedFrom?: number;
}

export class Runner<B> implements RunControl {
  iter = 0;
  readonly maxIters: number;
  readonly runDir: string;
  readonly model: TrainModel<B>;
  readonly rng: Rng;
  private readonly hooks: HookList;
  private readonly trainable: [string, Variable][];
  private log_: MetricsLog | undefined;
  private stopRequested = false;

  constructor(private readonly o: RunnerOptions<B>) {
    if (!Number.isInteger(o.maxIters) || o.maxIters <= 0) throw new Error(`max_iters must be a positive integer, got ${o.maxIters}`);
    this.maxIters = o.maxIters;
    this.runDir = o.runDir;
    this.model = o.model;
    this.rng = o.rng;
    this.hooks = new HookList(o.hooks ?? []);
    this.trainable = o.optimizers.flatMap((e) => e.optimizer.groups.flatMap((g) => g.params));
  }

  /** Ends the run after the current step (SIGINT/SIGTERM); a checkpoint is saved first. */
  requestStop(): void {
    this.stopRequested = true;
  }

  async run(): Promise<RunOutcome> {
    if (this.o.resumeFrom !== undefined) this.restore(this.o.resumeFrom);
    this.log_ = new MetricsLog(join(this.runDir, 'metrics.jsonl'), this.o.resumeFrom !== undefined, this.o.metricsWriter);
    let outcome: RunOutcome = { status: 'finished' };
    try {
      this.model.train();
      await this.hooks.call('beforeRun', this);
      let checkedTerms = false;
      while (this.iter < this.maxIters && !this.stopRequested) {
        // Once per step: Ctrl-C, MLflow's background sends and thread grants wait for it.
        await yieldToEventLoop();
        if (this.stopRequested) break;
        const info = { iter: this.iter, maxIters: this.maxIters };
        for (const line of this.o.phases.changesAt(info.iter)) this.print(`iteration ${info.iter + 1}: ${line}`);
        await this.hooks.call('beforeStep', this, info);
        const t0 = performance.now();
        const batch = await this.o.data.next();
        let result;
        // A hook's own work on the batch (diagnostics) is not the step's time.
        let hookMs = 0;
        try {
          const h0 = performance.now();
          await this.hooks.call('beforeTrainStep', this, info, batch);
          hookMs = performance.now() - h0;
          result = trainStep(this.model, batch, info, this.trainable, this.o.optimizers, this.o.phases);
        } finally {
          disposeTensorsIn(batch);
        }
        if (!checkedTerms) {
          this.o.phases.checkTerms(result.modelTerms);
          checkedTerms = true;
        }
        this.iter += 1;
        const seconds = (performance.now() - t0 - hookMs) / 1000;
        await this.hooks.call('afterStep', this, { step: this.iter, result, seconds, images: this.o.data.batchSize });
      }
      if (this.stopRequested && this.iter < this.maxIters) {
        outcome = { status: 'interrupted' };
        await this.saveCheckpoint();
      }
    } catch (error) {
      outcome = { status: 'failed', error };
    }
    try {
      await this.hooks.call('afterRun', this, outcome);
    } finally {
      this.log_.close();
    }
    if (outcome.status === 'failed') throw outcome.error;
    return outcome;
  }

  log(records: MetricsRecord[]): void {
    if (this.log_ === undefined) throw new Error('the run has not started');
    this.log_.append(records);
  }

  print(line: string): void {
    (this.o.print ?? console.log)(line);
  }

  async evaluate(): Promise<Record<string, number>> {
    if (this.o.evaluate === undefined) throw new Error('this run has no evaluation configured');
    this.model.eval();
    let metrics: Record<string, number>;
    try {
      metrics = await this.o.evaluate(this.model);
    } finally {
      this.model.train();
    }
    this.log([{ step: this.iter, metrics }]);
    await this.hooks.call('afterEval', this, metrics);
    return metrics;
  }

  async saveCheckpoint(tag?: string): Promise<string> {
    const tensors = new Map<string, Tensor>();
    for (const [k, v] of this.model.stateDict()) tensors.set(`model/${k}`, v);
    for (const [k, v] of this.hooks.tensors()) tensors.set(k, v);
    const optimizers: CheckpointState['optimizers'] = {};
    const schedules: CheckpointState['schedules'] = {};
    for (const e of this.o.optimizers) {
      for (const [k, v] of e.optimizer.slots()) tensors.set(`optim/${e.name}/${k}`, v);
      optimizers[e.name] = { type: e.optimizer.type, state: e.optimizer.jsonState() };
      schedules[e.name] = e.schedule.describe;
    }
    const state: CheckpointState = {
      format: CHECKPOINT_FORMAT,
      iter: this.iter,
      maxIters: this.maxIters,
      rng: this.rng.getState(),
      loader: this.o.data.state(),
      optimizers,
      schedules,
      hooks: this.hooks.states(),
      savedAt: new Date().toISOString(),
    };
    const dir = saveCheckpoint(join(this.runDir, 'checkpoints'), checkpointName(this.iter, tag), tensors, state);
    await this.hooks.call('afterCheckpoint', this, dir);
    return dir;
  }

  private restore(dir: string): void {
    const ckpt = loadCheckpoint(dir);
    try {
      const s = ckpt.state;
      if (s.maxIters !== this.maxIters && s.maxIters !== this.o.extendedFrom) {
        throw new Error(`${dir}: the checkpoint belongs to a run of ${s.maxIters} iterations, this one has ${this.maxIters}; schedules would not match`);
      }
      this.model.loadStateDict(withPrefix(ckpt.tensors, 'model/'));
      for (const e of this.o.optimizers) {
        const saved = s.optimizers[e.name];
        if (saved === undefined) throw new Error(`${dir}: no state for optimizer '${e.name}' (it has ${Object.keys(s.optimizers).join(', ')})`);
        if (saved.type !== e.optimizer.type) throw new Error(`${dir}: optimizer '${e.name}' was ${saved.type}, the config builds ${e.optimizer.type}`);
        e.optimizer.loadState(withPrefix(ckpt.tensors, `optim/${e.name}/`), saved.state);
      }
      this.rng.setState(s.rng);
      this.o.data.loadState(s.loader);
      this.hooks.loadStates(s.hooks);
      this.hooks.loadTensors(ckpt.tensors);
      this.iter = s.iter;
    } finally {
      for (const t of ckpt.tensors.values()) t.dispose();
    }
  }
}

function withPrefix(tensors: ReadonlyMap<string, Tensor>, prefix: string): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [k, t] of tensors) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), t);
  return out;
}

/** Disposes the tensors a batch holds (images, second views), without walking typed arrays. */
function disposeTensorsIn(value: unknown): void {
  if (value instanceof tf.Tensor) {
    value.dispose();
  } else if (Array.isArray(value)) {
    for (const v of value) disposeTensorsIn(v);
  } else if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) disposeTensorsIn(v);
  }
}
