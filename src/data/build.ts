/**
 * Loaders from the validated `data:` section: the dataset is built through
 * the registry (validated with the config, defaults applied), and the
 * workers learn which files define the registered transforms (plugins
 * included), since they rebuild the pipeline themselves.
 */
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from '../registry/build.js';
import type { ComponentConfig } from '../registry/component.js';
import type { Registry } from '../registry/registry.js';
import type { DetectionDataset } from './dataset.js';
import { DataLoader } from './loader.js';

/** One split of the `data:` section, defaults applied. */
export interface DataSplitConfig {
  dataset: ComponentConfig;
  batch_size: number;
  num_workers: number;
  prefetch_batches: number;
}

/** `file:` URLs of every module defining a registered transform. */
export function transformModules(registry: Registry): string[] {
  const files = registry.components('transform').map((r) => (isAbsolute(r.file) ? pathToFileURL(r.file).href : r.file));
  return [...new Set(files)].sort();
}

export function buildDataset(split: 'train' | 'val', config: DataSplitConfig, options: BuildOptions): DetectionDataset {
  return build<DetectionDataset>('dataset', config.dataset, { ...options, path: `data.${split}.dataset` });
}

/** The endless, shuffled training loader (resume with `startIter` or `loadState`). */
export function trainLoader(registry: Registry, config: DataSplitConfig, seed: number, startIter = 0, options: Omit<BuildOptions, 'registry'> = {}): Promise<DataLoader> {
  return DataLoader.create(buildDataset('train', config, { ...options, registry }), {
    batchSize: config.batch_size,
    numWorkers: config.num_workers,
    prefetchBatches: config.prefetch_batches,
    shuffle: true,
    infinite: true,
    seed,
    startIter,
    path: 'data.train.dataset.pipeline',
    transformModules: transformModules(registry),
  });
}

/** The one-pass validation loader in file order (iterate it with `for await`). */
export function valLoader(registry: Registry, config: DataSplitConfig, seed: number, options: Omit<BuildOptions, 'registry'> = {}): Promise<DataLoader> {
  return DataLoader.create(buildDataset('val', config, { ...options, registry }), {
    batchSize: config.batch_size,
    numWorkers: config.num_workers,
    prefetchBatches: config.prefetch_batches,
    shuffle: false,
    infinite: false,
    seed,
    path: 'data.val.dataset.pipeline',
    transformModules: transformModules(registry),
  });
}
