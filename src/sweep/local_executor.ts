/**
 * The default executor: trials as child processes on this machine, at most
 * `parallel` at once, each limited to cores / parallel threads so the CPU is
 * never oversubscribed.
 */
import { availableParallelism } from 'node:os';
import type { Executor, ExecutorEvents, ExecutorRunOptions } from './executor.js';
import { runTrial, type TrialJob, type TrialRunOptions } from './trial_runner.js';

export interface LocalExecutorOptions {
  parallel: number;
  /** Cores to share (default: os.availableParallelism()). */
  cores?: number;
  /** Passed to the runner: the command starting detlab and extra environment. */
  command?: TrialRunOptions['command'];
  env?: NodeJS.ProcessEnv;
}

/** Trials at once and threads per trial such that parallel × threads ≤ cores. */
export function cpuBudget(parallel: number, cores: number): { parallel: number; threads: number } {
  const p = Math.max(1, Math.min(parallel, cores));
  return { parallel: p, threads: Math.max(1, Math.floor(cores / p)) };
}

export class LocalExecutor implements Executor {
  readonly name = 'local';
  readonly parallel: number;
  readonly threads: number;

  constructor(private readonly opts: LocalExecutorOptions) {
    const budget = cpuBudget(opts.parallel, opts.cores ?? availableParallelism());
    this.parallel = budget.parallel;
    this.threads = budget.threads;
  }

  async run(jobs: readonly TrialJob[], events: ExecutorEvents, opts: ExecutorRunOptions): Promise<void> {
    const queue = [...jobs];
    const worker = async (): Promise<void> => {
      for (let job = queue.shift(); job !== undefined && !opts.signal.aborted; job = queue.shift()) {
        events.onStart(job);
        const outcome = await runTrial(job, { threads: this.threads, signal: opts.signal, parentRunId: opts.parentRunId, command: this.opts.command, env: this.opts.env });
        events.onEnd(job, outcome);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.parallel, jobs.length) }, worker));
  }
}
