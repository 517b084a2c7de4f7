/**
 * The data loader: batches of padded NHWC float32 images with their targets
 * and metas, decoded and augmented ahead of the consumer.
 *
 * Order. Positions 0, 1, 2, ... of an endless stream map to dataset indices
 * through per-epoch permutations: position p is in epoch `floor(p / N)` and
 * takes `perm_epoch[p mod N]`, `perm_epoch` drawn from (seed, epoch) (or the
 * identity without shuffling). Batches are consecutive positions, so in
 * iteration-based training a batch may span two epochs. A sample's
 * augmentation draws from (seed, epoch, index) only, so the number of
 * workers never changes a result.
 *
 * Skips. A sample whose file is missing, corrupt or of the wrong size is
 * skipped, its place taken by the next position, and counted; each epoch's
 * skips are reported once when the stream leaves that epoch. `state()` is
 * the exact resume point (it counts skipped positions); `startIter: k`
 * resumes at position `k * batchSize`, which is exact when nothing was
 * skipped before k.
 *
 * Ahead-of-time work. With `numWorkers > 0`, worker threads decode and
 * augment (the pipeline is rebuilt in each from config); with 0, decoding
 * still runs in libuv's pool (sharp) and augmentation on the main thread.
 * Either way up to `prefetchBatches` batches are in flight. The tensor is
 * made in `next()` at hand-over; the consumer disposes `batch.images`.
 */
import { tf } from '../engine/tf.js';
import { collate, type CollatedView } from './collate.js';
import type { DetectionDataset } from './dataset.js';
import { buildPipeline, builtinTransformModules, loadTransformComponents, type PipelineSpec } from './pipeline.js';
import { produceSample, type Produced, type SampleTask } from './produce.js';
import { DataReport } from './report.js';
import { permutation, rngFor } from './rng.js';
import type { Transform } from './transform.js';
import type { Batch, Sample } from './types.js';
import { WorkerPool } from './worker_pool.js';

export interface LoaderOptions {
  batchSize: number;
  /** Shuffle each epoch (training) or keep file order (validation). */
  shuffle: boolean;
  seed: number;
  /** Worker threads; 0 decodes and augments in this thread. */
  numWorkers: number;
  /** Batches decoded ahead of the consumer. */
  prefetchBatches?: number;
  /** Endless epochs (iteration-based training), or one pass ending with a partial batch. */
  infinite: boolean;
  /** Start at this iteration (`startIter * batchSize` positions in). */
  startIter?: number;
  /** Where epoch-end skip reports go (default: console.warn). */
  log?: (line: string) => void;
  /** Config path of the pipeline, for messages. */
  path?: string;
  /** `file:` URLs of the modules defining the pipeline's transforms (default: detlab's built-in ones); workers import them. */
  transformModules?: readonly string[];
}

/** The exact resume point: the next stream position and the next iteration number. */
export interface LoaderState {
  position: number;
  iter: number;
}

interface InFlight {
  position: number;
  result: Promise<Produced>;
}

export class DataLoader implements AsyncIterable<Batch> {
  /** Decode-time skips over the whole run, by kind. */
  readonly report: DataReport;
  private readonly size: number;
  private readonly perms = new Map<number, Int32Array>();
  private readonly queue: InFlight[] = [];
  private readonly epochSkips = new Map<number, DataReport>();
  private position: number;
  private issued: number;
  private iter: number;
  private closed = false;

  private constructor(
    readonly dataset: DetectionDataset,
    private readonly options: Required<Omit<LoaderOptions, 'startIter' | 'transformModules'>>,
    private readonly transforms: readonly Transform[],
    private readonly pool: WorkerPool | undefined,
    startIter: number,
  ) {
    this.size = dataset.length;
    this.report = new DataReport(`${dataset.source} (decoding)`);
    this.iter = startIter;
    this.position = startIter * options.batchSize;
    this.issued = this.position;
  }

  /** Prepares the dataset, builds (and so validates) the pipeline, starts the workers. */
  static async create(dataset: DetectionDataset, options: LoaderOptions): Promise<DataLoader> {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new Error(`batch size must be a positive integer, got ${options.batchSize}`);
    if (!Number.isInteger(options.numWorkers) || options.numWorkers < 0) throw new Error(`num_workers must be a non-negative integer, got ${options.numWorkers}`);
    await dataset.prepare();
    if (dataset.length === 0) throw new Error(`${dataset.source}: the dataset is empty`);
    const path = options.path ?? `${dataset.source}.pipeline`;
    const spec: PipelineSpec = { transforms: [...dataset.pipeline], modules: [...(options.transformModules ?? builtinTransformModules())] };
    const transforms = buildPipeline(spec.transforms, await loadTransformComponents(spec.modules), path);
    const pool = options.numWorkers > 0 ? new WorkerPool(options.numWorkers, { ...spec, path }) : undefined;
    const full = {
      batchSize: options.batchSize,
      shuffle: options.shuffle,
      seed: options.seed,
      numWorkers: options.numWorkers,
      prefetchBatches: options.prefetchBatches ?? 2,
      infinite: options.infinite,
      log: options.log ?? ((line: string) => console.warn(line)),
      path,
    };
    return new DataLoader(dataset, full, transforms, pool, options.startIter ?? 0);
  }

  /** Batches per epoch (the last one partial for a finite loader), ignoring skips. */
  get batchesPerEpoch(): number {
    return Math.ceil(this.size / this.options.batchSize);
  }

  get epoch(): number {
    return Math.floor(this.position / this.size);
  }

  state(): LoaderState {
    return { position: this.position, iter: this.iter };
  }

  /** Continues from a `state()`; prefetched work past the old position is dropped. */
  restore(state: LoaderState): void {
    this.discardQueue();
    this.position = state.position;
    this.issued = state.position;
    this.iter = state.iter;
  }

  /** Dataset index at a stream position. */
  indexAt(position: number): number {
    const epoch = Math.floor(position / this.size);
    if (!this.options.shuffle) return position % this.size;
    let perm = this.perms.get(epoch);
    if (perm === undefined) {
      perm = permutation(this.size, rngFor(this.options.seed, epoch));
      this.perms.set(epoch, perm);
      this.perms.delete(epoch - 2);
    }
    return perm[position % this.size] as number;
  }

  private end(): number {
    return this.options.infinite ? Number.POSITIVE_INFINITY : this.size;
  }

  private fill(): void {
    const target = Math.min(this.position + (this.options.prefetchBatches + 1) * this.options.batchSize, this.end());
    while (this.issued < target && this.queue.length < (this.options.prefetchBatches + 1) * this.options.batchSize) {
      const position = this.issued;
      const index = this.indexAt(position);
      const task: SampleTask = { record: this.dataset.record(index), seed: this.options.seed, epoch: Math.floor(position / this.size), index };
      const result = this.pool !== undefined ? this.pool.run(task) : produceSample(task, this.transforms);
      // A rejection is rethrown when the sample is consumed; this only stops it counting as unhandled meanwhile.
      result.catch(() => undefined);
      this.queue.push({ position, result });
      this.issued += 1;
    }
  }

  /** Images per batch (the last batch of a finite loader may have fewer). */
  get batchSize(): number {
    return this.options.batchSize;
  }

  /** The next batch; a finite loader past its end throws (iterate it with `for await` instead). */
  async next(): Promise<Batch> {
    const batch = await this.take();
    if (batch === undefined) throw new Error(`${this.dataset.source}: the finite loader is exhausted (${this.size} samples)`);
    return batch;
  }

  /** `restore` for the training runner, which keeps the state as opaque JSON. */
  loadState(state: unknown): void {
    const s = state as Partial<LoaderState> | null;
    if (s === null || typeof s !== 'object' || !Number.isInteger(s.position) || !Number.isInteger(s.iter)) {
      throw new Error(`loader state must be {position, iter} integers, got ${JSON.stringify(state)}`);
    }
    this.restore(s as LoaderState);
  }

  /** The next batch, or `undefined` when a finite loader is exhausted. */
  async take(): Promise<Batch | undefined> {
    if (this.closed) throw new Error('loader used after close()');
    const samples: Sample[] = [];
    let skippedInARow = 0;
    while (samples.length < this.options.batchSize && this.position < this.end()) {
      this.fill();
      const head = this.queue.shift() as InFlight;
      const produced = await head.result;
      const epoch = Math.floor(head.position / this.size);
      this.position = head.position + 1;
      if ('sample' in produced) samples.push(produced.sample);
      else {
        this.countSkip(epoch, produced.skip.kind, produced.skip.message);
        skippedInARow += 1;
        if (skippedInARow >= this.size) throw new Error(`${this.dataset.source}: every sample was skipped (${this.report.lines().join('; ')})`);
      }
      if (this.position % this.size === 0 || this.position === this.end()) this.reportEpoch(epoch);
    }
    this.fill();
    if (samples.length === 0) return undefined;
    this.iter += 1;
    return toBatch(samples);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    for (;;) {
      const batch = await this.take();
      if (batch === undefined) return;
      yield batch;
    }
  }

  private countSkip(epoch: number, kind: string, message: string): void {
    let report = this.epochSkips.get(epoch);
    if (report === undefined) {
      report = new DataReport(`${this.dataset.source} epoch ${epoch}`);
      this.epochSkips.set(epoch, report);
    }
    report.add(kind, message);
    this.report.add(kind, message);
  }

  private reportEpoch(epoch: number): void {
    const report = this.epochSkips.get(epoch);
    if (report === undefined) return;
    this.epochSkips.delete(epoch);
    for (const line of report.lines()) this.options.log(`skipped samples: ${line}`);
  }

  private discardQueue(): void {
    this.queue.length = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.discardQueue();
    await this.pool?.close();
  }
}

function toTensorView(view: CollatedView): Omit<Batch, 'secondView'> {
  return {
    images: tf.tensor4d(view.pixels, view.shape),
    boxes: view.boxes,
    labels: view.labels,
    ignoreBoxes: view.ignoreBoxes,
    metas: view.metas,
  };
}

function toBatch(samples: Sample[]): Batch {
  const first = toTensorView(collate(samples));
  const seconds = samples.map((s) => s.secondView);
  if (seconds.every((v) => v !== undefined)) {
    return { ...first, secondView: toTensorView(collate(seconds as Omit<Sample, 'secondView'>[])) };
  }
  if (seconds.some((v) => v !== undefined)) throw new Error('a batch mixes samples with and without a second view');
  return first;
}
