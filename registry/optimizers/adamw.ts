/** AdamW: Adam with decoupled weight decay (PyTorch semantics), per-group multipliers and clipping. */
import { defineComponent } from '../../src/registry/component.js';
import { AdamW as AdamWOptimizer } from '../../src/train/optimizers/adamw.js';
import { GRAD_CLIP_SCHEMA, optimizerFactory, PARAMWISE_SCHEMA, type GradClipConfig, type OptimizerFactory, type ParamwiseConfig } from '../../src/train/optimizers/options.js';

interface Options {
  lr: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
  paramwise: ParamwiseConfig;
  grad_clip: GradClipConfig;
}

export const AdamW = defineComponent<Options, OptimizerFactory>({
  kind: 'optimizer',
  name: 'AdamW',
  description: 'Adam with decoupled weight decay, PyTorch semantics',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      lr: { type: 'number', minimum: 0, description: 'base learning rate (the schedule scales it)', default: 0.0001 },
      betas: { type: 'array', items: { type: 'number', minimum: 0, exclusiveMaximum: 1 }, minItems: 2, maxItems: 2, description: 'moment decay rates', default: [0.9, 0.999] },
      eps: { type: 'number', exclusiveMinimum: 0, description: 'added to the denominator', default: 1e-8 },
      weight_decay: { type: 'number', minimum: 0, description: 'decoupled decay: p -= lr * weight_decay * p', default: 0.05 },
      paramwise: PARAMWISE_SCHEMA,
      grad_clip: GRAD_CLIP_SCHEMA,
    },
  },
  build: (o) => optimizerFactory(o.paramwise, o.grad_clip, (groups) => new AdamWOptimizer(groups, { lr: o.lr, betas: o.betas, eps: o.eps, weightDecay: o.weight_decay })),
});
