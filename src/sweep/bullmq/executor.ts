/**
 * The BullMQ executor: a stage's trials become jobs on Redis (job id = trial
 * id, attempts and backoff from the spec's `retry:`) under one sweep job, as
 * a flow; `detlab worker` processes on any machine run them with the shared
 * trial runner. The executor follows the jobs by polling their state, which
 * survives a Redis restart (commands wait for the server to come back) where
 * a missed event would not.
 */
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlowProducer, Queue, type Job } from 'bullmq';
import { UserError } from '../../config/errors.js';
import { redactUrl } from '../../config/secrets.js';
import type { Executor, ExecutorEvents, ExecutorRunOptions } from '../executor.js';
import type { TrialJob, TrialOutcome } from '../trial_runner.js';
import { redisConnection, SWEEP_QUEUE, TRIAL_QUEUE, type RetryPolicy, type TrialJobData, type TrialProgress } from './queues.js';

export interface BullmqExecutorOptions {
  /** redis:// URL of the server the workers listen to. */
  redis: string;
  retry: RetryPolicy;
  /** How often job states are read (default 500 ms). */
  pollMs?: number;
  /** How long the first connection may take before the sweep gives up (default 15 s). */
  connectTimeoutMs?: number;
  /** Where connection trouble is reported (default stderr), once per distinct message. */
  log?: (line: string) => void;
}

type TrialState = Awaited<ReturnType<Job['getState']>>;

export class BullmqExecutor implements Executor {
  readonly name = 'bullmq';

  constructor(private readonly opts: BullmqExecutorOptions) {
    redisConnection(opts.redis);
  }

  async run(jobs: readonly TrialJob[], events: ExecutorEvents, opts: ExecutorRunOptions): Promise<void> {
    if (jobs.length === 0) return;
    const connection = redisConnection(this.opts.redis);
    const queue = new Queue<TrialJobData>(TRIAL_QUEUE, { connection });
    const flows = new FlowProducer({ connection });
    const log = this.opts.log ?? ((line: string) => console.error(line));
    let lastError = '';
    // Until the first connection the errors are kept for the timeout's message; afterwards each new one is reported.
    let connected = false;
    const onError = (err: Error): void => {
      if (connected && err.message !== lastError) log(`redis ${redactUrl(this.opts.redis)}: ${err.message} (retrying)`);
      lastError = err.message;
    };
    queue.on('error', onError);
    flows.on('error', onError);
    try {
      try {
        if (!(await reachable(queue, this.opts.redis, this.opts.connectTimeoutMs ?? 15_000, opts.signal, () => lastError))) return;
        connected = true;
        const fresh = await this.reconcile(queue, jobs);
        if (fresh.length > 0) await this.enqueue(flows, fresh, opts.parentRunId);
      } catch (err) {
        // Anything Redis refuses while the sweep starts (authentication, an old server, a full memory) is about the server named here.
        if (err instanceof UserError) throw err;
        throw Object.assign(new UserError(`--redis ${redactUrl(this.opts.redis)}: ${String((err as Error).message).split('\n')[0]}`), { cause: err });
      }
      await this.follow(queue, jobs, events, opts.signal);
    } finally {
      await flows.close();
      await queue.close();
    }
  }

  /**
   * Jobs already on Redis under a trial's id: this sweep's are followed (a
   * failed one is retried, as a resumed local sweep re-runs failures); another
   * sweep's finished job of the same trial is replaced. Returns the trials to add.
   */
  private async reconcile(queue: Queue<TrialJobData>, jobs: readonly TrialJob[]): Promise<TrialJob[]> {
    const fresh: TrialJob[] = [];
    for (const job of jobs) {
      const existing = await queue.getJob(job.trial.id);
      if (existing === undefined) {
        fresh.push(job);
        continue;
      }
      const state = await existing.getState();
      if (existing.data.job.sweepDir !== job.sweepDir) {
        if (state !== 'completed' && state !== 'failed') {
          throw new UserError(`trial ${job.trial.id} is already on ${redactUrl(this.opts.redis)} (${state}) for the sweep in ${existing.data.job.sweepDir}; let it finish or remove it first`);
        }
        await existing.remove();
        fresh.push(job);
      } else if (state === 'failed') {
        await existing.retry('failed');
      }
    }
    return fresh;
  }

  private async enqueue(flows: FlowProducer, jobs: readonly TrialJob[], parentRunId: string | undefined): Promise<void> {
    const { sweepDir, trial } = jobs[0];
    const { attempts, backoff, delay } = this.opts.retry;
    await flows.add({
      name: 'sweep',
      queueName: SWEEP_QUEUE,
      data: { sweepDir, stage: trial.stage, trials: jobs.map((j) => j.trial.id) },
      opts: { jobId: `${basename(sweepDir)}.${trial.stage || 'trials'}.${Date.now()}` },
      children: jobs.map((job) => ({
        name: 'trial',
        queueName: TRIAL_QUEUE,
        data: { job, parentRunId } satisfies TrialJobData,
        // A failed trial must not hold the sweep job back: it is reported, the others go on.
        opts: { jobId: job.trial.id, attempts, backoff: { type: backoff, delay }, ignoreDependencyOnFailure: true },
      })),
    });
  }

  private async follow(queue: Queue<TrialJobData>, jobs: readonly TrialJob[], events: ExecutorEvents, signal: AbortSignal): Promise<void> {
    const pending = new Map(jobs.map((j) => [j.trial.id, j]));
    const started = new Set<string>();
    const start = (job: TrialJob): void => {
      if (started.has(job.trial.id)) return;
      started.add(job.trial.id);
      events.onStart(job);
    };
    while (pending.size > 0 && !signal.aborted) {
      for (const [id, job] of pending) {
        // The state first, then the job: a job read before it completed would lack its return value.
        const state: TrialState = await queue.getJobState(id);
        if (state === 'active') start(job);
        const bull = state === 'completed' || state === 'failed' ? await queue.getJob(id) : undefined;
        if (state === 'unknown' || ((state === 'completed' || state === 'failed') && bull === undefined)) {
          start(job);
          events.onEnd(job, lostOutcome(id, this.opts.redis));
        } else if (state === 'completed' && bull !== undefined) {
          start(job);
          events.onEnd(job, bull.returnvalue as TrialOutcome);
        } else if (state === 'failed' && bull !== undefined) {
          start(job);
          events.onEnd(job, failedOutcome(bull));
        } else continue;
        pending.delete(id);
      }
      if (pending.size > 0) await sleep(this.opts.pollMs ?? 500, undefined, { signal }).catch(() => undefined);
    }
    for (const [id, job] of pending) {
      if (!started.has(id)) continue;
      events.onEnd(job, { status: 'interrupted', metrics: {}, seconds: 0, resumed: false, error: `trial ${id} stays on ${redactUrl(this.opts.redis)}; follow it again with --resume` });
    }
  }
}

/**
 * Waits for Redis at the start and fails with a clear message when it does not
 * answer in time (later outages are waited out). False when the sweep was
 * stopped first: nothing has been queued then.
 */
async function reachable(queue: Queue<TrialJobData>, redis: string, ms: number, signal: AbortSignal, lastError: () => string): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  const aborted = new Promise<'aborted'>((r) => {
    onAbort = () => r('aborted');
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const result = await Promise.race([queue.waitUntilReady().then(() => 'ready' as const), timeout, aborted]);
    if (result === 'timeout') {
      const why = lastError() === '' ? '' : ` (${lastError()})`;
      throw new UserError(`--redis ${redactUrl(redis)}: no answer within ${ms / 1000} s${why}; is the server running and reachable?`);
    }
    return result === 'ready';
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort!);
  }
}

function failedOutcome(bull: Job<TrialJobData>): TrialOutcome {
  const progress = bull.progress as TrialProgress | number;
  const outcome = typeof progress === 'object' ? progress.outcome : undefined;
  const tries = `after ${bull.attemptsMade} attempt${bull.attemptsMade === 1 ? '' : 's'}`;
  if (outcome !== undefined) return { ...outcome, status: 'failed', error: `${outcome.error ?? bull.failedReason} (${tries})` };
  return { status: 'failed', metrics: {}, seconds: 0, resumed: false, error: `${bull.failedReason} (${tries})` };
}

function lostOutcome(id: string, redis: string): TrialOutcome {
  const error = `the job of trial ${id} is gone from ${redactUrl(redis)} (was Redis restarted without persistence, or the job removed?); run the sweep again with --resume`;
  return { status: 'failed', metrics: {}, seconds: 0, resumed: false, error };
}
