/**
 * The executor contract: how a sweep's trials get run. The sweep hands an
 * executor the trials of one stage (independent of each other) and hears
 * about each start and end as it happens; what a trial does is the shared
 * trial runner (trial_runner.ts). `local` runs child processes on this
 * machine; a queue-backed executor can enqueue the same jobs and have remote
 * workers call `runTrial`.
 */
import type { TrialJob, TrialOutcome } from './trial_runner.js';

export interface ExecutorEvents {
  onStart(job: TrialJob): void;
  /** Called as soon as a trial ends, before the others finish. */
  onEnd(job: TrialJob, outcome: TrialOutcome): void;
}

export interface ExecutorRunOptions {
  /** Aborting stops launching trials and stops running ones (they end 'interrupted', resumable). */
  signal: AbortSignal;
  /** The sweep's MLflow parent run, passed to every trial. */
  parentRunId?: string;
  /** The parent run's work dir, for trials on this machine while the parent is not in the store yet (a slow or hung server). */
  parentWorkDir?: string;
}

export interface Executor {
  readonly name: string;
  /** Resolves once every job has ended or, after an abort, every started job has stopped. */
  run(jobs: readonly TrialJob[], events: ExecutorEvents, opts: ExecutorRunOptions): Promise<void>;
}
