/**
 * What the BullMQ executor, the workers and `sweep status` agree on: the
 * queue names, the job payload, and how a redis:// URL becomes connection
 * options. Trials of every sweep share one queue, so a worker started with
 * only a Redis URL serves any sweep; a sweep is a parent job (a flow) over
 * its trials, and a trial's job id is its trial id.
 */
import type { RedisOptions } from 'bullmq';
import { UserError } from '../../config/errors.js';
import { redactUrl } from '../../config/secrets.js';
import type { TrialJob, TrialOutcome } from '../trial_runner.js';

export const TRIAL_QUEUE = 'detlab-trials';
export const SWEEP_QUEUE = 'detlab-sweeps';

/** A trial job's data: what the local executor hands the runner, plus the sweep's MLflow parent run. */
export interface TrialJobData {
  job: TrialJob;
  parentRunId?: string;
}

/** The progress a worker reports: who runs the trial, and its outcome once it ended. */
export interface TrialProgress {
  worker: string;
  outcome?: TrialOutcome;
}

export interface RetryPolicy {
  /** Tries in all (1: no retry). */
  attempts: number;
  backoff: 'fixed' | 'exponential';
  /** Milliseconds before the first retry (doubled each time with exponential). */
  delay: number;
}

/**
 * Connection options for a redis:// or rediss:// URL. `maxRetriesPerRequest:
 * null` makes commands wait through a Redis restart instead of failing,
 * which BullMQ requires of workers and we want of the following sweep too.
 */
export function redisConnection(url: string, what = '--redis'): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UserError(`${what}: '${redactUrl(url)}' is not a URL (expected redis://HOST:PORT)`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UserError(`${what}: '${redactUrl(url)}' is not a redis:// or rediss:// URL`);
  }
  return { url, maxRetriesPerRequest: null };
}
