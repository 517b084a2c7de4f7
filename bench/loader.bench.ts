/**
 * Loader throughput and its cost inside a training loop.
 *
 * 1. Throughput: batches of 2 drawn as fast as possible (no consumer work),
 *    at 256² and 512², in-process (0 workers) and with 2 worker threads.
 * 2. Overlap: a consumer that blocks the main thread for a reference training
 *    step (1.2 s, batch 2 at 256²) between batches; the figure is the time
 *    `next()` still takes, which must stay under 10 % of the step.
 *
 * Pipeline: Resize (keep ratio) → RandomFlip → PhotometricJitter → Normalize → Pad/32,
 * on the synthetic shapes dataset (PNG), cached in the OS temp folder.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataLoader } from '../src/data/loader.js';
import { ShapesDataset } from '../src/data/shapes/shapes_dataset.js';

const REFERENCE_STEP_MS = 1200;
const BATCH = 2;

function shapes(size: number): ShapesDataset {
  return new ShapesDataset({
    numTrain: 64, numVal: 0, size, seed: 0, split: 'train', filterEmptyGt: false, root: join(tmpdir(), 'detlab-bench-shapes'), source: `shapes ${size}`,
    log: (line) => console.log(line),
    pipeline: [
      { type: 'Resize', scale: [size, size], keep_ratio: true },
      { type: 'RandomFlip', prob: 0.5 },
      { type: 'PhotometricJitter' },
      { type: 'Normalize' },
      { type: 'Pad', size_divisor: 32 },
    ],
  });
}

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

async function throughput(size: number, workers: number, batches: number): Promise<void> {
  const loader = await DataLoader.create(shapes(size), { batchSize: BATCH, shuffle: true, seed: 1, numWorkers: workers, infinite: true, prefetchBatches: 4 });
  try {
    for (let i = 0; i < 10; i += 1) (await loader.next()).images.dispose();
    const start = performance.now();
    for (let i = 0; i < batches; i += 1) (await loader.next()).images.dispose();
    const ms = performance.now() - start;
    console.log(`${size}² workers=${workers}: ${((batches * BATCH * 1000) / ms).toFixed(1)} images/s, ${(ms / batches).toFixed(1)} ms/batch of ${BATCH} (unoverlapped)`);
  } finally {
    await loader.close();
  }
}

async function overlapped(size: number, workers: number, steps: number): Promise<void> {
  const loader = await DataLoader.create(shapes(size), { batchSize: BATCH, shuffle: true, seed: 1, numWorkers: workers, infinite: true, prefetchBatches: 2 });
  try {
    (await loader.next()).images.dispose();
    busy(REFERENCE_STEP_MS);
    const waits: number[] = [];
    for (let i = 0; i < steps; i += 1) {
      const start = performance.now();
      const batch = await loader.next();
      waits.push(performance.now() - start);
      batch.images.dispose();
      busy(REFERENCE_STEP_MS);
    }
    const mean = waits.reduce((a, b) => a + b, 0) / waits.length;
    const max = Math.max(...waits);
    const share = (100 * mean) / REFERENCE_STEP_MS;
    console.log(`${size}² workers=${workers} beside a ${REFERENCE_STEP_MS} ms step: next() ${mean.toFixed(1)} ms mean, ${max.toFixed(1)} ms max = ${share.toFixed(2)} % of the step (target < 10 %: ${share < 10 ? 'met' : 'NOT met'})`);
  } finally {
    await loader.close();
  }
}

export default async function bench(): Promise<void> {
  await shapes(256).prepare();
  await shapes(512).prepare();
  for (const size of [256, 512]) {
    for (const workers of [0, 2]) await throughput(size, workers, 40);
  }
  for (const workers of [0, 2]) await overlapped(256, workers, 6);
}
