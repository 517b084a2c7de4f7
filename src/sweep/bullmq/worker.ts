/**
 * A BullMQ worker for sweep trials: takes trial jobs from Redis and runs each
 * with the shared trial runner, as a child process that stops when this
 * worker dies (orphan_guard.ts). A worker killed mid-trial stops renewing the
 * job's lock; after `lockDuration` another worker's stalled-job check puts
 * the job back and the trial is taken again, resuming from its last
 * checkpoint when the sweep directory is shared, else from the start.
 */
import { availableParallelism, hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, WaitingError, type Job } from 'bullmq';
import { redactUrl } from '../../config/secrets.js';
import { cpuBudget } from '../local_executor.js';
import { DEFAULT_COMMAND, runTrial, type TrialJob, type TrialOutcome } from '../trial_runner.js';
import { redisConnection, SWEEP_QUEUE, TRIAL_QUEUE, type TrialJobData, type TrialProgress } from './queues.js';
import { queueErrorText } from './queue_errors.js';

export interface TrialWorkerOptions {
  redis: string;
  /** Trials at once. */
  concurrency: number;
  /** Cores this worker may use (default: all); each trial gets cores / concurrency threads. */
  cores?: number;
  /**
   * Where sweep directories live on this machine when the submitter's path is
   * not mounted here: `<root>/<sweep name>/<sweep dir name>`.
   */
  workDirRoot?: string;
  /** Milliseconds a job's lock lasts without renewal (BullMQ's lockDuration, default 30 s). */
  lockDuration?: number;
  /** Milliseconds between checks for stalled jobs (default 30 s). */
  stalledInterval?: number;
  log?: (line: string) => void;
  /** Extra environment of the trial processes. */
  env?: NodeJS.ProcessEnv;
}

export interface TrialWorker {
  readonly id: string;
  /** Stops taking jobs, stops the running trials (they checkpoint) and gives their jobs back to the queue. */
  close(): Promise<void>;
}

const GUARD = join(dirname(fileURLToPath(import.meta.url)), 'orphan_guard.js');

/** The sweep directory as seen from this worker. */
export function localSweepDir(job: TrialJob, workDirRoot: string | undefined): string {
  return workDirRoot === undefined ? job.sweepDir : join(workDirRoot, job.sweepName, basename(job.sweepDir));
}

export async function startWorker(o: TrialWorkerOptions): Promise<TrialWorker> {
  const connection = redisConnection(o.redis);
  const log = o.log ?? ((line: string) => console.log(line));
  const id = `${hostname()}:${process.pid}`;
  const { parallel, threads } = cpuBudget(o.concurrency, o.cores ?? availableParallelism());
  const stopping = new AbortController();
  const command = [process.execPath, GUARD, String(process.pid), DEFAULT_COMMAND[1]];

  const process_ = async (bull: Job<TrialJobData>, token?: string): Promise<TrialOutcome> => {
    const job = { ...bull.data.job, sweepDir: localSweepDir(bull.data.job, o.workDirRoot) };
    const trial = job.trial.id;
    await bull.updateProgress({ worker: id } satisfies TrialProgress);
    log(`start   ${trial}  attempt ${bull.attemptsMade + 1}/${bull.opts.attempts ?? 1}  (${job.sweepDir})`);
    const outcome = await runTrial(job, { threads, parentRunId: bull.data.parentRunId, command, signal: stopping.signal, env: o.env });
    await bull.updateProgress({ worker: id, outcome } satisfies TrialProgress);
    log(`${outcome.status.padEnd(7)} ${trial}  (${outcome.seconds.toFixed(1)} s${outcome.resumed ? ', resumed' : ''})`);
    if (outcome.status === 'finished') return outcome;
    if (outcome.status === 'interrupted' && stopping.signal.aborted) {
      // This worker is stopping, the trial did not fail: back to the queue without using an attempt.
      await bull.moveToWait(token);
      throw new WaitingError();
    }
    throw new Error(outcome.error ?? `trial ${trial} ${outcome.status}`);
  };

  // BullMQ takes an undefined option as given, not as its default.
  const workerOpts = {
    connection,
    ...(o.lockDuration === undefined ? {} : { lockDuration: o.lockDuration }),
    ...(o.stalledInterval === undefined ? {} : { stalledInterval: o.stalledInterval }),
  };
  const trials = new Worker<TrialJobData, TrialOutcome>(TRIAL_QUEUE, process_, { ...workerOpts, concurrency: parallel });
  // The sweep job completes once its trials have ended; it only gathers their ids and statuses.
  const sweeps = new Worker(SWEEP_QUEUE, async (bull: Job) => {
    const values = (await bull.getChildrenValues()) as Record<string, TrialOutcome>;
    return { finished: Object.keys(values).length, failed: Object.keys(await bull.getIgnoredChildrenFailures()).length };
  }, workerOpts);
  for (const w of [trials, sweeps]) w.on('error', (err) => log(`worker ${id}: ${queueErrorText(err.message)}`));
  await Promise.all([trials.waitUntilReady(), sweeps.waitUntilReady()]);
  log(`worker ${id}: ${parallel} trial${parallel === 1 ? '' : 's'} at once, ${threads} thread${threads === 1 ? '' : 's'} each, on ${redactUrl(o.redis)}`);
  return {
    id,
    async close() {
      stopping.abort();
      await Promise.all([trials.close(), sweeps.close()]);
    },
  };
}
