/**
 * A pool of loader worker threads. Tasks go to the worker with the fewest in
 * flight; replies are matched by id. A worker is referenced only while it has
 * work, so an idle pool never keeps the process alive.
 */
import { Worker } from 'node:worker_threads';
import type { PipelineSpec } from './pipeline.js';
import type { Produced, SampleTask } from './produce.js';
import type { WorkerReply, WorkerRequest } from './loader_worker.js';

interface Pending {
  resolve(value: Produced): void;
  reject(reason: Error): void;
}

interface Slot {
  worker: Worker;
  inFlight: number;
}

/** The compiled worker script, beside this file (works from `dist/src/data/`). */
const WORKER_URL = new URL('./loader_worker.js', import.meta.url);

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(size: number, spec: PipelineSpec & { path: string }) {
    for (let i = 0; i < size; i += 1) {
      const worker = new Worker(WORKER_URL, { workerData: spec });
      const slot: Slot = { worker, inFlight: 0 };
      worker.on('message', (reply: WorkerReply) => this.onReply(slot, reply));
      worker.on('error', (err) => this.fail(new Error(`loader worker ${i} failed: ${err.message}`)));
      worker.on('exit', (code) => {
        if (this.failure === undefined) this.fail(new Error(`loader worker ${i} exited unexpectedly (code ${code})`));
      });
      worker.unref();
      this.slots.push(slot);
    }
  }

  run(task: SampleTask): Promise<Produced> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const slot = this.slots.reduce((best, s) => (s.inFlight < best.inFlight ? s : best));
    const id = this.nextId++;
    if (slot.inFlight === 0) slot.worker.ref();
    slot.inFlight += 1;
    return new Promise<Produced>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, task } satisfies WorkerRequest);
    });
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    slot.inFlight -= 1;
    if (slot.inFlight === 0) slot.worker.unref();
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    this.pending.delete(reply.id);
    if ('error' in reply) pending.reject(new Error(reply.error));
    else pending.resolve(reply.produced);
  }

  private fail(err: Error): void {
    this.failure = err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.failure ??= new Error('loader closed');
    // Nothing else may keep the event loop alive while the exits are awaited: a
    // terminating worker's handle no longer counts, even when ref()'d (Node 20),
    // so a caller's top-level `await close()` could end the process with code 13.
    const keepAlive = setInterval(() => undefined, 60_000);
    try {
      await Promise.all(this.slots.map((s) => s.worker.terminate()));
    } finally {
      clearInterval(keepAlive);
    }
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
