/**
 * The Redis side of `detlab sweep status`: what the queue knows about each
 * trial (waiting, active on which worker, delayed for a retry, completed,
 * failed after its attempts), readable from any machine that reaches Redis.
 */
import { Queue } from 'bullmq';
import { redisConnection, TRIAL_QUEUE, type TrialJobData, type TrialProgress } from './queues.js';

export interface QueuedTrial {
  /** BullMQ's job state, or 'missing' when Redis holds no job of the trial. */
  state: string;
  attemptsMade: number;
  attempts: number;
  /** The worker (host:pid) that last took the job. */
  worker?: string;
  failedReason?: string;
}

export async function queuedTrials(redis: string, trialIds: readonly string[], timeoutMs = 10_000): Promise<Map<string, QueuedTrial>> {
  // Status must answer or fail, not wait for a server that is down.
  const queue = new Queue<TrialJobData>(TRIAL_QUEUE, { connection: { ...redisConnection(redis), maxRetriesPerRequest: 1, connectTimeout: timeoutMs } });
  let lastError: Error | undefined;
  queue.on('error', (err) => void (lastError = err));
  try {
    await Promise.race([
      queue.waitUntilReady(),
      new Promise((_, reject) => setTimeout(() => reject(lastError ?? new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs).unref()),
    ]);
    const out = new Map<string, QueuedTrial>();
    for (const id of trialIds) {
      const job = await queue.getJob(id);
      if (job === undefined) {
        out.set(id, { state: 'missing', attemptsMade: 0, attempts: 0 });
        continue;
      }
      const progress = job.progress as TrialProgress | number;
      out.set(id, {
        state: await job.getState(),
        attemptsMade: job.attemptsMade,
        attempts: job.opts.attempts ?? 1,
        worker: typeof progress === 'object' ? progress.worker : undefined,
        failedReason: job.failedReason || undefined,
      });
    }
    return out;
  } finally {
    await queue.close();
  }
}
