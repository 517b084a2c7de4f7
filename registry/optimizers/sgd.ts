/** SGD with momentum and L2 weight decay (PyTorch semantics), per-group multipliers and clipping. */
import { defineComponent } from '../../src/registry/component.js';
import { Sgd } from '../../src/train/optimizers/sgd.js';
import { GRAD_CLIP_SCHEMA, optimizerFactory, PARAMWISE_SCHEMA, type GradClipConfig, type OptimizerFactory, type ParamwiseConfig } from '../../src/train/optimizers/options.js';

interface Options {
  lr: number;
  momentum: number;
  weight_decay: number;
  nesterov: boolean;
  paramwise: ParamwiseConfig;
  grad_clip: GradClipConfig;
}

export const SGD = defineComponent<Options, OptimizerFactory>({
  kind: 'optimizer',
  name: 'SGD',
  description: 'SGD with momentum and weight decay, PyTorch semantics',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      lr: { type: 'number', minimum: 0, description: 'base learning rate (the schedule scales it)', default: 0.01 },
      momentum: { type: 'number', minimum: 0, exclusiveMaximum: 1, description: 'momentum factor', default: 0.9 },
      weight_decay: { type: 'number', minimum: 0, description: 'L2 penalty added to the gradient', default: 0.0001 },
      nesterov: { type: 'boolean', description: 'Nesterov momentum', default: false },
      paramwise: PARAMWISE_SCHEMA,
      grad_clip: GRAD_CLIP_SCHEMA,
    },
  },
  build: (o) => optimizerFactory(o.paramwise, o.grad_clip, (groups) => new Sgd(groups, { lr: o.lr, momentum: o.momentum, weightDecay: o.weight_decay, nesterov: o.nesterov })),
});
