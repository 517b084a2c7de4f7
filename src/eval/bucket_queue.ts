/**
 * Spreads the per-category buckets over worker threads. Threads take bucket
 * indices from one shared atomic counter, largest buckets first, so a slow
 * category does not leave the other threads idle; the calling thread works
 * the queue too, which also covers the time workers take to start.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { evaluateBucket } from './evaluate_bucket.js';
import { Scratch } from './scratch.js';
import { shared, type PreparedData } from './prepared.js';

export interface BucketJob {
  data: PreparedData;
  /** Bucket indices in the order to take them. */
  queue: Int32Array;
  /** `next[0]` is the position of the next bucket to take. */
  next: Int32Array;
}

export function drainQueue(job: BucketJob): void {
  const scratch = new Scratch();
  for (;;) {
    const at = Atomics.add(job.next, 0, 1);
    if (at >= job.queue.length) return;
    evaluateBucket(job.data, job.queue[at], scratch);
  }
}

/** Below this many GT + detections, starting workers costs more than it saves. */
const IN_PROCESS_LIMIT = 40_000;

export function defaultThreads(data: PreparedData): number {
  const rows = data.gtImage.length + data.dtImage.length;
  if (rows < IN_PROCESS_LIMIT) return 1;
  return Math.max(1, Math.min(availableParallelism(), data.buckets, 8));
}

/** Evaluates every bucket with `threads` threads in all (1: in-process only). */
export async function runBuckets(data: PreparedData, threads: number): Promise<void> {
  const sizes = Array.from({ length: data.buckets }, (_, k) => data.dtStart[k + 1] - data.dtStart[k] + data.gtStart[k + 1] - data.gtStart[k]);
  const queue = shared(Int32Array, data.buckets);
  queue.set(sizes.map((_, k) => k).sort((a, b) => sizes[b] - sizes[a] || a - b));
  const job: BucketJob = { data, queue, next: shared(Int32Array, 1) };
  const workers = Math.min(threads, data.buckets) - 1;
  const finished: Promise<void>[] = [];
  for (let w = 0; w < workers; w++) {
    const worker = new Worker(new URL('./bucket_worker.js', import.meta.url), { workerData: job });
    finished.push(
      new Promise<void>((resolve, reject) => {
        let done = false;
        worker.once('message', () => {
          done = true;
          resolve();
        });
        worker.once('error', reject);
        worker.once('exit', (code) => {
          if (!done) reject(new Error(`cocoeval worker exited with code ${code} before finishing`));
        });
      }),
    );
  }
  try {
    drainQueue(job);
  } catch (err) {
    // Let the workers finish (they stop when the queue is empty) before reporting.
    await Promise.allSettled(finished);
    throw err;
  }
  await Promise.all(finished);
}
