/**
 * The `data:` config section, MMDetection-style: a train and a val split,
 * each a dataset component (with its pipeline) plus loader options.
 */
import { componentOption, type JsonSchema } from '../registry/component.js';
import { defineSection } from '../registry/section.js';

function split(description: string, batchSize: number, workers: number): JsonSchema {
  return {
    type: 'object',
    description,
    additionalProperties: false,
    required: ['dataset'],
    properties: {
      dataset: componentOption('dataset', 'the dataset and its transform pipeline'),
      batch_size: { type: 'integer', minimum: 1, description: 'images per batch', default: batchSize },
      num_workers: { type: 'integer', minimum: 0, description: 'worker threads decoding and augmenting ahead (0: in-process prefetch)', default: workers },
      prefetch_batches: { type: 'integer', minimum: 1, description: 'batches prepared ahead of the consumer', default: 2 },
    },
  };
}

export const data = defineSection({
  name: 'data',
  description: 'datasets, transform pipelines and loaders for training and validation',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      train: split('the training split: shuffled each epoch from the seed, endless (iteration-based training)', 2, 2),
      val: split('the validation split: file order, one pass', 1, 1),
    },
  },
});
