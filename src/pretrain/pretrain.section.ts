/**
 * The `pretrain:` config section, read by `detlab pretrain`: the backbone to
 * pretrain (the schema of `model.backbone`) and the shapes classification
 * task it learns (shapes_classification.ts). The run itself takes the usual
 * `optimizer:`, `schedule:`, `train:`, `engine:`, `tracking:` and `seed:`.
 */
import { componentOption, type JsonSchema } from '../registry/component.js';
import { defineSection } from '../registry/section.js';

export interface PretrainSection {
  backbone: { type: string; [option: string]: unknown };
  data: {
    size: number;
    seed: number;
    min_side: number;
    clutter_lines: number;
    batch_size: number;
    num_val: number;
    pipeline: { type: string }[];
    val_pipeline: { type: string }[];
  };
  eval_interval: number;
}

const pipeline = (description: string): JsonSchema => ({
  type: 'array',
  items: componentOption('transform', 'a transform that keeps the image size'),
  description,
  default: [{ type: 'Normalize' }],
});

export const pretrain = defineSection({
  name: 'pretrain',
  description: 'backbone pretraining (detlab pretrain): the backbone and the synthetic shapes classification task',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['backbone'],
    properties: {
      backbone: componentOption('backbone', 'the backbone to pretrain, as model.backbone; its last returned map is pooled into fc'),
      data: {
        type: 'object',
        additionalProperties: false,
        description: 'one-shape scenes of the shapes renderer, labelled by the shape class; train images are generated without end, val is fixed',
        default: {},
        properties: {
          size: { type: 'integer', minimum: 32, description: 'image side in pixels', default: 64 },
          seed: { type: 'integer', minimum: 0, description: 'generator seed (same seed, same images)', default: 0 },
          min_side: { type: 'integer', minimum: 1, description: 'smallest shape side in pixels (sides are log-uniform up to 3/4 of the image)', default: 8 },
          clutter_lines: { type: 'integer', minimum: 0, description: 'at most this many clutter strokes per background', default: 5 },
          batch_size: { type: 'integer', minimum: 2, description: 'images per training batch', default: 32 },
          num_val: { type: 'integer', minimum: 1, description: 'images in the fixed validation split', default: 500 },
          pipeline: pipeline('transforms of the training images, in order'),
          val_pipeline: pipeline('transforms of the validation images, in order'),
        },
      },
      eval_interval: { type: 'integer', minimum: 0, description: 'validation accuracy every N iterations (0: only after the last one)', default: 0 },
    },
  },
});
