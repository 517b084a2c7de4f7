import { ComponentError } from '../../src/config/errors.js';
import { componentOption, defineComponent, type ComponentConfig } from '../../src/registry/component.js';
import { CocoDataset as Coco, type InvalidBoxPolicy } from '../../src/data/coco.js';
import type { DetectionDataset } from '../../src/data/dataset.js';

export interface CocoDatasetOptions {
  ann_file: string;
  img_prefix: string;
  filter_empty_gt: boolean;
  invalid_boxes: InvalidBoxPolicy;
  missing_images: 'error' | 'skip';
  pipeline: ComponentConfig[];
}

export const CocoDataset = defineComponent<CocoDatasetOptions, DetectionDataset>({
  kind: 'dataset',
  name: 'CocoDataset',
  description: 'A COCO-format detection dataset (JSON + JPEG/PNG images), checked on load with counted warnings',
  schema: {
    type: 'object',
    required: ['ann_file', 'img_prefix'],
    properties: {
      ann_file: { type: 'string', description: 'COCO annotation JSON file', default: '' },
      img_prefix: { type: 'string', description: 'Folder the images\' file_name entries are relative to', default: '' },
      filter_empty_gt: { type: 'boolean', description: 'Drop images without (non-crowd) annotations; usually true for training, false for evaluation', default: false },
      invalid_boxes: { type: 'string', enum: ['clip', 'drop', 'error'], description: 'What to do with a box reaching outside its image (non-positive sizes are dropped, or an error with error)', default: 'clip' },
      missing_images: { type: 'string', enum: ['error', 'skip'], description: 'Listed image files that do not exist: an error naming the first few, or skipped and counted', default: 'error' },
      pipeline: { type: 'array', items: componentOption('transform', 'A transform'), description: 'Transforms applied to each sample, in order', default: [] },
    },
  },
  build(o, ctx) {
    if (o.ann_file === '') throw new ComponentError('required', `${ctx.path}.ann_file`);
    return new Coco({
      annFile: o.ann_file,
      imgPrefix: o.img_prefix,
      filterEmptyGt: o.filter_empty_gt,
      invalidBoxes: o.invalid_boxes,
      missingImages: o.missing_images,
      pipeline: o.pipeline,
      source: ctx.path,
    });
  },
});
