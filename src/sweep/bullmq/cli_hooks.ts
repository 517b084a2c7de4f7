/**
 * What `detlab sweep` needs from the BullMQ executor: `--executor bullmq
 * --redis URL` on `run`, and the queue's view of each trial on `status --redis URL`.
 */
import { UserError } from '../../config/errors.js';
import { redactUrl } from '../../config/secrets.js';
import { loadSpec } from '../spec.js';
import type { SweepState } from '../state.js';
import { BullmqExecutor } from './executor.js';
import { redisConnection } from './queues.js';
import { retryPolicy } from './retry.js';
import { queuedTrials } from './status.js';

export const EXECUTORS = ['local', 'bullmq'] as const;

/** The executor `--executor NAME --redis URL` asks for, or undefined for the local one. */
export function queueExecutor(executor: unknown, option: unknown, specFile: string, env: NodeJS.ProcessEnv = process.env): BullmqExecutor | undefined {
  if (executor === undefined || executor === 'local') {
    if (option !== undefined) throw new UserError('--redis goes with --executor bullmq');
    return undefined;
  }
  if (executor !== 'bullmq') throw new UserError(`--executor: expected one of ${EXECUTORS.join(', ')}, got '${String(executor)}'`);
  const redis = option ?? (env.REDIS_URL === '' ? undefined : env.REDIS_URL);
  if (typeof redis !== 'string') throw new UserError('--executor bullmq needs the Redis server the workers listen to: set REDIS_URL=redis://HOST:PORT (kept off the command line) or pass --redis');
  redisConnection(redis);
  return new BullmqExecutor({ redis, retry: retryPolicy(loadSpec(specFile).spec) });
}

/** Prints what Redis knows of each trial of the sweep: queue state, attempts, worker. */
export async function printQueueStatus(redis: string, state: SweepState, print: (line: string) => void = console.log): Promise<void> {
  let queued;
  try {
    queued = await queuedTrials(redis, state.trials.map((t) => t.id));
  } catch (err) {
    throw new UserError(`--redis ${redactUrl(redis)}: ${(err as Error).message}`);
  }
  const counts = new Map<string, number>();
  for (const q of queued.values()) counts.set(q.state, (counts.get(q.state) ?? 0) + 1);
  print(`queue on ${redactUrl(redis)}: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`);
  for (const [id, q] of queued) {
    const extra = [q.attempts > 0 ? `attempt ${q.attemptsMade}/${q.attempts}` : '', q.worker ?? '', q.failedReason?.split('\n')[0] ?? ''].filter((s) => s !== '');
    print(`  ${id}  ${q.state.padEnd(10)} ${extra.join('  ')}`);
  }
}
