import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { ComponentConfig } from '../../src/registry/component.js';
import { DataLoader, type LoaderOptions } from '../../src/data/loader.js';
import { ShapesDataset } from '../../src/data/shapes/shapes_dataset.js';
import type { Batch } from '../../src/data/types.js';
import { tempDir } from './fixtures.js';

const ROOT = tempDir('loader');
const PIPELINE: ComponentConfig[] = [
  { type: 'Resize', scale: [[72, 72], [96, 96]], keep_ratio: true },
  { type: 'RandomCrop', crop_size: [60, 60] },
  { type: 'RandomFlip', prob: 0.5 },
  { type: 'PhotometricJitter' },
  { type: 'Normalize' },
  { type: 'Pad', size_divisor: 32 },
];

function dataset(split: 'train' | 'val' = 'train', pipeline = PIPELINE): ShapesDataset {
  return new ShapesDataset({ numTrain: 10, numVal: 5, size: 64, seed: 2, root: ROOT, split, filterEmptyGt: false, pipeline, source: `shapes.${split}`, log: () => undefined });
}

/** A batch as plain data (the tensor read and disposed), to compare runs. */
interface Plain {
  pixels: number[];
  shape: number[];
  boxes: number[][];
  labels: number[][];
  ids: number[];
  metas: unknown[];
}

async function plain(batch: Batch): Promise<Plain> {
  const pixels = Array.from(await batch.images.data());
  const shape = batch.images.shape;
  batch.images.dispose();
  return { pixels, shape, boxes: batch.boxes.map((b) => [...b]), labels: batch.labels.map((l) => [...l]), ids: batch.metas.map((m) => m.imageId), metas: batch.metas };
}

async function run(options: Partial<LoaderOptions>, count: number, restoreFrom?: { position: number; iter: number }): Promise<Plain[]> {
  const loader = await DataLoader.create(dataset(), { batchSize: 3, shuffle: true, seed: 11, numWorkers: 0, infinite: true, ...options });
  try {
    if (restoreFrom !== undefined) loader.restore(restoreFrom);
    const out: Plain[] = [];
    for (let i = 0; i < count; i += 1) out.push(await plain(await loader.next()));
    return out;
  } finally {
    await loader.close();
  }
}

before(async () => {
  await dataset().prepare();
});

test('same seed, same batches; another seed, another order', async () => {
  const a = await run({}, 5);
  const b = await run({}, 5);
  assert.deepEqual(a, b);
  const c = await run({ seed: 12 }, 5);
  assert.notDeepEqual(a.map((x) => x.ids), c.map((x) => x.ids));
  // 5 batches of 3 over 10 images: the first epoch is a permutation, and the stream runs on into epoch 1.
  const ids = a.flatMap((x) => x.ids);
  assert.deepEqual([...ids.slice(0, 10)].sort((p, q) => p - q), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.notDeepEqual(ids.slice(0, 5), ids.slice(10, 15), 'each epoch is reshuffled');
  for (const batch of a) {
    assert.equal(batch.shape[0], 3);
    assert.equal(batch.shape[1]! % 32, 0, 'padded to the size divisor');
    assert.equal(batch.shape[3], 3);
  }
});

test('worker threads give exactly the in-process batches', async () => {
  const inProcess = await run({ numWorkers: 0 }, 4);
  const workers = await run({ numWorkers: 2, prefetchBatches: 3 }, 4);
  assert.deepEqual(workers, inProcess);
});

test('resuming at iteration k (startIter or a saved state) continues the uninterrupted run', async () => {
  const full = await run({}, 8);
  assert.deepEqual(await run({ startIter: 5 }, 3), full.slice(5));
  const loader = await DataLoader.create(dataset(), { batchSize: 3, shuffle: true, seed: 11, numWorkers: 1, infinite: true });
  let state;
  try {
    for (let i = 0; i < 4; i += 1) (await loader.next()).images.dispose();
    state = loader.state();
    assert.deepEqual(state, { position: 12, iter: 4 });
  } finally {
    await loader.close();
  }
  assert.deepEqual(await run({}, 4, state), full.slice(4));
  const other = await DataLoader.create(dataset(), { batchSize: 3, shuffle: true, seed: 11, numWorkers: 0, infinite: true });
  try {
    other.loadState(JSON.parse(JSON.stringify(state)));
    assert.deepEqual(await plain(await other.next()), full[4]);
    assert.throws(() => other.loadState({ position: 'x' }), /loader state must be \{position, iter\} integers/);
  } finally {
    await other.close();
  }
});

test('the val loader keeps file order, makes one pass and ends with a partial batch', async () => {
  const val = dataset('val', [{ type: 'Resize', scale: [32, 32] }, { type: 'Pad', size_divisor: 32 }]);
  const loader = await DataLoader.create(val, { batchSize: 2, shuffle: false, seed: 0, numWorkers: 0, infinite: false });
  try {
    const sizes: number[] = [];
    const ids: number[] = [];
    for await (const batch of loader) {
      sizes.push(batch.images.shape[0]);
      ids.push(...batch.metas.map((m) => m.imageId));
      assert.deepEqual(batch.metas.map((m) => m.scaleFactor), batch.metas.map(() => [0.5, 0.5]));
      batch.images.dispose();
    }
    assert.deepEqual(sizes, [2, 2, 1]);
    assert.deepEqual(ids, [1, 2, 3, 4, 5]);
    await assert.rejects(loader.next(), /finite loader is exhausted/);
    assert.equal(loader.batchesPerEpoch, 3);
  } finally {
    await loader.close();
  }
});

test('TwoViews batches carry a second view tensor with its own metas', async () => {
  const ds = dataset('train', [
    { type: 'Resize', scale: [64, 64] },
    { type: 'TwoViews', view1: [{ type: 'RandomCrop', crop_size: [48, 48] }, { type: 'RandomFlip' }] },
    { type: 'Normalize' },
    { type: 'Pad', size_divisor: 16 },
  ]);
  const loader = await DataLoader.create(ds, { batchSize: 2, shuffle: true, seed: 1, numWorkers: 1, infinite: true });
  try {
    const batch = await loader.next();
    assert.ok(batch.secondView !== undefined);
    assert.deepEqual(batch.secondView.images.shape, [2, 48, 48, 3]);
    assert.deepEqual(batch.secondView.metas.map((m) => m.imageId), batch.metas.map((m) => m.imageId));
    assert.ok(batch.metas.every((m) => m.cropBox !== undefined) && batch.secondView.metas.every((m) => m.cropBox !== undefined));
    batch.images.dispose();
    batch.secondView.images.dispose();
  } finally {
    await loader.close();
  }
});

test('a bad pipeline fails at loader creation with the config path', async () => {
  const ds = dataset('train', [{ type: 'Resize' }, { type: 'RandomFlp' }]);
  await assert.rejects(
    DataLoader.create(ds, { batchSize: 2, shuffle: true, seed: 0, numWorkers: 2, infinite: true, path: 'data.train.dataset.pipeline' }),
    /data\.train\.dataset\.pipeline\[1\]: unknown transform type 'RandomFlp'/,
  );
});
