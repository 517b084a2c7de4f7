/**
 * One sample, start to end: decode the record, then run the pipeline with
 * the generator of (seed, epoch, index). Used in-process and in workers, so
 * the number of workers never changes a result.
 */
import type { ImageRecord } from './dataset.js';
import { loadSample } from './decode.js';
import { SampleSkip } from './errors.js';
import { rngFor } from './rng.js';
import { applyPipeline, type Transform } from './transform.js';
import type { Sample } from './types.js';

/** What producing a sample gives: the sample, or why it was skipped. */
export type Produced = { sample: Sample } | { skip: { kind: string; message: string } };

export interface SampleTask {
  record: ImageRecord;
  seed: number;
  epoch: number;
  /** Index of the record in the dataset. */
  index: number;
}

export async function produceSample(task: SampleTask, transforms: readonly Transform[]): Promise<Produced> {
  try {
    const sample = await loadSample(task.record);
    return { sample: applyPipeline(transforms, sample, rngFor(task.seed, task.epoch, task.index)) };
  } catch (err) {
    if (err instanceof SampleSkip) return { skip: { kind: err.kind, message: err.message } };
    throw err;
  }
}

/** The buffers of a sample (and its second view), to transfer rather than copy across threads. */
export function sampleBuffers(sample: Sample): ArrayBuffer[] {
  const views = [sample.image, sample.boxes, sample.labels, sample.ignoreBoxes];
  if (sample.secondView !== undefined) {
    const v = sample.secondView;
    views.push(v.image, v.boxes, v.labels, v.ignoreBoxes);
  }
  const buffers = new Set<ArrayBuffer>();
  for (const view of views) if (view.buffer instanceof ArrayBuffer && view.byteLength > 0) buffers.add(view.buffer);
  return [...buffers];
}
