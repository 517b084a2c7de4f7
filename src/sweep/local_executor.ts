/**
 * The default executor: trials as child processes on this machine, at most
 * `parallel` at once, each limited to cores / parallel threads so the CPU is
 * never oversubscribed. When no trial waits for a slot, the cores of finished
 * trials go to those still running (a sweep of 15 trials in 2 slots ends
 * with one trial alone).
 */
import { availableParallelism } from 'node:os';
import type { Executor, ExecutorEvents, ExecutorRunOptions } from './executor.js';
import { runTrial, type RunningTrial, type TrialJob, type TrialRunOptions } from './trial_runner.js';

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
  private readonly cores: number;

  constructor(private readonly opts: LocalExecutorOptions) {
    this.cores = opts.cores ?? availableParallelism();
    const budget = cpuBudget(opts.parallel, this.cores);
    this.parallel = budget.parallel;
    this.threads = budget.threads;
  }

  async run(jobs: readonly TrialJob[], events: ExecutorEvents, opts: ExecutorRunOptions): Promise<void> {
    const queue = [...jobs];
    const running = new Set<RunningTrial>();
    const shareIdleCores = (): void => {
      if (queue.length > 0 || running.size === 0) return;
      const { threads } = cpuBudget(running.size, this.cores);
      for (const trial of running) trial.offerThreads(threads);
    };
    const worker = async (): Promise<void> => {
      for (let job = queue.shift(); job !== undefined && !opts.signal.aborted; job = queue.shift()) {
        events.onStart(job);
        let mine: RunningTrial | undefined;
        const onSpawn = (trial: RunningTrial): void => {
          mine = trial;
          running.add(trial);
        };
        // The last trials start with the cores no other trial will claim.
        const threads = queue.length > 0 ? this.threads : cpuBudget(running.size + 1, this.cores).threads;
        const outcome = await runTrial(job, { threads, signal: opts.signal, parentRunId: opts.parentRunId, parentWorkDir: opts.parentWorkDir, command: this.opts.command, env: this.opts.env, onSpawn });
        if (mine !== undefined) running.delete(mine);
        events.onEnd(job, outcome);
        shareIdleCores();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.parallel, jobs.length) }, worker));
  }
}
