import { componentOption, defineComponent, type ComponentConfig } from '../../src/registry/component.js';
import type { DetectionDataset } from '../../src/data/dataset.js';
import { ShapesDataset as Shapes } from '../../src/data/shapes/shapes_dataset.js';
import type { Split } from '../../src/data/shapes/generate.js';

export interface ShapesDatasetOptions {
  num_train: number;
  num_val: number;
  size: number;
  seed: number;
  root: string;
  split: Split;
  filter_empty_gt: boolean;
  pipeline: ComponentConfig[];
}

export const ShapesDataset = defineComponent<ShapesDatasetOptions, DetectionDataset>({
  kind: 'dataset',
  name: 'ShapesDataset',
  description: 'Synthetic shapes (circle, square, triangle, star, ring, cross) in COCO format, generated on first use and cached by its parameters',
  schema: {
    type: 'object',
    properties: {
      num_train: { type: 'integer', minimum: 0, description: 'Images in the train split', default: 2000 },
      num_val: { type: 'integer', minimum: 0, description: 'Images in the val split', default: 200 },
      size: { type: 'integer', minimum: 32, description: 'Image side in pixels', default: 256 },
      seed: { type: 'integer', minimum: 0, description: 'Generator seed (same seed, same files)', default: 0 },
      root: { type: 'string', description: 'Cache folder; the dataset goes to a subfolder keyed by its parameters', default: 'data/shapes' },
      split: { type: 'string', enum: ['train', 'val'], description: 'Which split this dataset reads', default: 'train' },
      filter_empty_gt: { type: 'boolean', description: 'Drop images without annotations', default: false },
      pipeline: { type: 'array', items: componentOption('transform', 'A transform'), description: 'Transforms applied to each sample, in order', default: [] },
    },
  },
  build(o, ctx) {
    return new Shapes({
      numTrain: o.num_train,
      numVal: o.num_val,
      size: o.size,
      seed: o.seed,
      root: o.root,
      split: o.split,
      filterEmptyGt: o.filter_empty_gt,
      pipeline: o.pipeline,
      source: ctx.path,
    });
  },
});
