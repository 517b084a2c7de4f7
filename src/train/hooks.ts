/**
 * Hooks: code the runner calls at named points of a run, in priority order
 * (0 runs first, 100 last; equal priorities keep registration order, as
 * MMEngine does). Checkpointing, evaluation and logging are hooks; a hook with
 * state to resume (the best metric so far) exposes `stateDict`/`loadStateDict`
 * and the runner saves it in every checkpoint under the hook's name.
 *
 * Order at one iteration: logging (10), evaluation (50), checkpointing (90),
 * so a checkpoint at step N is written after every metrics line of step N.
 */
import { ComponentError } from '../config/errors.js';
import type { IterationInfo } from '../detection/types.js';
import type { Tensor } from '../engine/tf.js';
import type { Module } from '../nn/module.js';
import type { MetricsRecord } from './metrics_log.js';
import type { Rng } from './rng.js';
import type { StepResult } from './train_step.js';

/** Prefix of hook tensors in a checkpoint's tensors.safetensors. */
export const HOOK_TENSORS = 'hook/';

export const PRIORITY = { highest: 0, high: 10, normal: 50, low: 90, lowest: 100 } as const;

/** What hooks see of the run and may ask it to do. */
export interface RunControl {
  /** Completed iterations (the 1-based step of the last one). */
  readonly iter: number;
  readonly maxIters: number;
  readonly runDir: string;
  readonly model: Module;
  readonly rng: Rng;
  /** Logs metrics lines to metrics.jsonl (and so to the tracker), under the resume rule of metrics_log.ts. */
  log(records: MetricsRecord[]): void;
  /** Prints a line for the user (above the progress bar on a terminal). */
  print(line: string): void;
  /** Evaluates the model now; the metrics are logged at the current step and passed to `afterEval` hooks. */
  evaluate(): Promise<Record<string, number>>;
  /** Saves a full checkpoint now (`iter_<N>` or `tag`); returns its directory. */
  saveCheckpoint(tag?: string): Promise<string>;
}

export interface StepRecord {
  /** 1-based step (= completed iterations). */
  step: number;
  result: StepResult;
  /** Wall time of the step, data loading included. */
  seconds: number;
  images: number;
}

export type RunOutcome = { status: 'finished' } | { status: 'failed'; error: unknown } | { status: 'interrupted' };

export interface Hook {
  /** Unique within a run: keys its state in checkpoints. */
  readonly name: string;
  readonly priority?: number;
  beforeRun?(run: RunControl): void | Promise<void>;
  beforeStep?(run: RunControl, info: IterationInfo): void | Promise<void>;
  /** With the batch the step is about to train on (the runner's batch type); it must leave the batch intact. */
  beforeTrainStep?(run: RunControl, info: IterationInfo, batch: unknown): void | Promise<void>;
  afterStep?(run: RunControl, step: StepRecord): void | Promise<void>;
  afterEval?(run: RunControl, metrics: Record<string, number>): void | Promise<void>;
  afterCheckpoint?(run: RunControl, dir: string): void | Promise<void>;
  afterRun?(run: RunControl, outcome: RunOutcome): void | Promise<void>;
  stateDict?(): unknown;
  loadStateDict?(state: unknown): void;
  /** Tensors to checkpoint beside the weights (an EMA of them), saved as `hook/<name>/<key>`; the runner disposes nothing it gets here. */
  tensorState?(): ReadonlyMap<string, Tensor>;
  /** Copies the tensors saved by `tensorState` (the caller disposes them after the call). */
  loadTensorState?(tensors: ReadonlyMap<string, Tensor>): void;
}

type Point = 'beforeRun' | 'beforeStep' | 'beforeTrainStep' | 'afterStep' | 'afterEval' | 'afterCheckpoint' | 'afterRun';
type Args<P extends Point> = Parameters<NonNullable<Hook[P]>> extends [RunControl, ...infer R] ? R : never;

export class HookList {
  readonly hooks: readonly Hook[];

  constructor(hooks: readonly Hook[]) {
    const seen = new Set<string>();
    for (const h of hooks) {
      if (seen.has(h.name)) throw new ComponentError(`two hooks are named '${h.name}'; hook names key checkpoint state and must be unique`);
      seen.add(h.name);
      const p = h.priority ?? PRIORITY.normal;
      if (!(p >= 0 && p <= 100)) throw new ComponentError(`hook '${h.name}': priority ${p} is outside [0, 100]`);
    }
    this.hooks = hooks
      .map((h, i) => ({ h, i }))
      .sort((a, b) => (a.h.priority ?? PRIORITY.normal) - (b.h.priority ?? PRIORITY.normal) || a.i - b.i)
      .map(({ h }) => h);
  }

  async call<P extends Point>(point: P, run: RunControl, ...args: Args<P>): Promise<void> {
    for (const h of this.hooks) {
      const fn = h[point] as ((run: RunControl, ...a: Args<P>) => void | Promise<void>) | undefined;
      if (fn !== undefined) await fn.call(h, run, ...args);
    }
  }

  states(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const h of this.hooks) if (h.stateDict !== undefined) out[h.name] = h.stateDict();
    return out;
  }

  /** Restores each hook's saved state; a stateful hook missing from the checkpoint starts fresh. */
  loadStates(states: Record<string, unknown>): void {
    for (const h of this.hooks) {
      if (h.loadStateDict !== undefined && h.name in states) h.loadStateDict(states[h.name]);
    }
  }

  /** Every hook's checkpoint tensors, keyed `hook/<name>/<key>`. */
  tensors(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const h of this.hooks) for (const [k, t] of h.tensorState?.() ?? []) out.set(`${HOOK_TENSORS}${h.name}/${k}`, t);
    return out;
  }

  /** Gives each hook with tensor state its saved tensors (a hook without any in the checkpoint gets none and starts fresh). */
  loadTensors(tensors: ReadonlyMap<string, Tensor>): void {
    for (const h of this.hooks) {
      if (h.loadTensorState === undefined) continue;
      const prefix = `${HOOK_TENSORS}${h.name}/`;
      const own = new Map([...tensors].filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
      if (own.size > 0) h.loadTensorState(own);
    }
  }
}
