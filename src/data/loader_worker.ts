/**
 * A loader worker thread: rebuilds the transform pipeline from its config
 * (never from functions), then decodes and augments the samples it is sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildPipeline, loadTransformComponents, type PipelineSpec } from './pipeline.js';
import { produceSample, sampleBuffers, type SampleTask } from './produce.js';

export interface WorkerRequest {
  id: number;
  task: SampleTask;
}

export type WorkerReply =
  | { id: number; produced: Awaited<ReturnType<typeof produceSample>> }
  | { id: number; error: string };

const port = parentPort;
if (port === null) throw new Error('loader_worker.js must run as a worker thread');
const spec = workerData as PipelineSpec & { path: string };
const transforms = buildPipeline(spec.transforms, await loadTransformComponents(spec.modules), spec.path);

port.on('message', (request: WorkerRequest) => {
  produceSample(request.task, transforms).then(
    (produced) => {
      const transfer = 'sample' in produced ? sampleBuffers(produced.sample) : [];
      port.postMessage({ id: request.id, produced } satisfies WorkerReply, transfer);
    },
    (err: unknown) => {
      port.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) } satisfies WorkerReply);
    },
  );
});
