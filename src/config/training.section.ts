/**
 * Top-level sections of training: the optimizer, the learning-rate schedule,
 * hooks and periodic evaluation. Each names components of its kind; the
 * training runner reads them.
 */
import { componentOption } from '../registry/component.js';
import { defineSection } from '../registry/section.js';

export const optimizer = defineSection({
  name: 'optimizer',
  description: 'the optimizer and its parameter-group options',
  schema: componentOption('optimizer', 'the optimizer and its parameter-group options'),
});

export const schedule = defineSection({
  name: 'schedule',
  description: 'the learning-rate schedule, by iteration',
  schema: componentOption('lr_schedule', 'the learning-rate schedule, by iteration'),
});

export const hooks = defineSection({
  name: 'hooks',
  description: 'hooks called at named points of training (logging, checkpoints, phases)',
  schema: { type: 'array', items: componentOption('hook', 'a hook'), default: [] },
});

export const evaluation = defineSection({
  name: 'evaluation',
  description: 'periodic COCO bbox evaluation during training',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      interval: { type: 'integer', minimum: 0, description: 'evaluate every N iterations (0: only after the last one)', default: 0 },
      save_best: { type: ['string', 'null'], description: 'metric whose best value keeps a checkpoint (e.g. bbox_mAP), or null', default: null },
      teacher: { type: 'boolean', description: "also score the supervisors' teachers (LGD, LabelEnc Step 1) on the ground truth, as teacher/<stat>", default: true },
    },
  },
});
