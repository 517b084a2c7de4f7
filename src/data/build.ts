/**
 * Loaders from the `data:` section. The caller builds the dataset component
 * through the registry (so it is validated with the config) and passes it in.
 */
import type { DetectionDataset } from './dataset.js';
import { DataLoader } from './loader.js';

export interface DataSplitConfig {
  batch_size: number;
  num_workers: number;
  prefetch_batches: number;
}

/** The endless, shuffled training loader (resume with `startIter` or `loadState`). */
export function trainLoader(dataset: DetectionDataset, split: DataSplitConfig, seed: number, startIter = 0): Promise<DataLoader> {
  return DataLoader.create(dataset, {
    batchSize: split.batch_size,
    numWorkers: split.num_workers,
    prefetchBatches: split.prefetch_batches,
    shuffle: true,
    infinite: true,
    seed,
    startIter,
    path: 'data.train.dataset.pipeline',
  });
}

/** The one-pass validation loader in file order (iterate it with `for await`). */
export function valLoader(dataset: DetectionDataset, split: DataSplitConfig, seed: number): Promise<DataLoader> {
  return DataLoader.create(dataset, {
    batchSize: split.batch_size,
    numWorkers: split.num_workers,
    prefetchBatches: split.prefetch_batches,
    shuffle: false,
    infinite: false,
    seed,
    path: 'data.val.dataset.pipeline',
  });
}
