/**
 * Worker-thread entry: takes buckets from the shared queue until it is empty.
 * Started by `runBuckets`; reads and writes only the shared arrays it is given.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { drainQueue, type BucketJob } from './bucket_queue.js';

drainQueue(workerData as BucketJob);
parentPort?.postMessage('done');
