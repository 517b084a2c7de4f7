import { componentOption, defineComponent, type ComponentConfig } from '../../src/registry/component.js';
import type { DetectionDataset } from '../../src/data/dataset.js';
import { ShapesDataset as Shapes } from '../../src/data/shapes/shapes_dataset.js';
import type { Split } from '../../src/data/shapes/generate.js';
import { DEFAULT_SCENE } from '../../src/data/shapes/scene.js';

export interface ShapesDatasetOptions {
  num_train: number;
  num_val: number;
  size: number;
  seed: number;
  min_side: number;
  objects: number[];
  max_occlusion: number;
  clutter_lines: number;
  class_colours: boolean;
  root: string;
  split: Split;
  filter_empty_gt: boolean;
  pipeline: ComponentConfig[];
}

export const ShapesDataset = defineComponent<ShapesDatasetOptions, DetectionDataset>({
  kind: 'dataset',
  name: 'ShapesDataset',
  description: 'Synthetic shapes (circle, square, triangle, star, ring, cross) in COCO format, generated on first use and cached by its parameters; min_side, objects, max_occlusion, clutter_lines and class_colours set the difficulty',
  schema: {
    type: 'object',
    properties: {
      num_train: { type: 'integer', minimum: 0, description: 'Images in the train split', default: 2000 },
      num_val: { type: 'integer', minimum: 0, description: 'Images in the val split', default: 200 },
      size: { type: 'integer', minimum: 32, description: 'Image side in pixels', default: 256 },
      seed: { type: 'integer', minimum: 0, description: 'Generator seed (same seed, same files)', default: 0 },
      root: { type: 'string', description: 'Cache folder; the dataset goes to a subfolder keyed by its parameters', default: 'data/shapes' },
      split: { type: 'string', enum: ['train', 'val'], description: 'Which split this dataset reads', default: 'train' },
      min_side: { type: 'integer', minimum: 1, description: 'Smallest object side in pixels (objects are log-uniform from it to 3/4 of the image)', default: DEFAULT_SCENE.minSide },
      objects: {
        type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 2, maxItems: 2,
        description: 'Objects drawn per image, [min, max] (heavily occluded ones are then dropped)', default: [...DEFAULT_SCENE.objects],
      },
      max_occlusion: { type: 'number', minimum: 0, maximum: 1, description: 'Fraction of a shape that may be hidden before it is left unannotated', default: DEFAULT_SCENE.maxOcclusion },
      clutter_lines: { type: 'integer', minimum: 0, description: 'At most this many clutter strokes (not objects) per background', default: DEFAULT_SCENE.clutterLines },
      class_colours: { type: 'boolean', description: 'Draw each class in its own hue (an easy colour cue) instead of a random colour', default: DEFAULT_SCENE.classColours },
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
      scene: { minSide: o.min_side, objects: [o.objects[0], o.objects[1]], maxOcclusion: o.max_occlusion, clutterLines: o.clutter_lines, classColours: o.class_colours },
      root: o.root,
      split: o.split,
      filterEmptyGt: o.filter_empty_gt,
      pipeline: o.pipeline,
      source: ctx.path,
    });
  },
});
