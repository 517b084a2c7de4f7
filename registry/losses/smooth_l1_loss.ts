/** Smooth L1 (Huber with transition β) on box deltas. */
import { makeLoss, type Loss, type Reduction } from '../../src/detection/losses/loss.js';
import { smoothL1Loss } from '../../src/detection/losses/regression_losses.js';
import { lossWeightOption, reductionOption } from '../../src/detection/losses/schema.js';
import { defineComponent } from '../../src/registry/component.js';

interface Options {
  beta: number;
  loss_weight: number;
  reduction: Reduction;
}

export const SmoothL1Loss = defineComponent<Options, Loss>({
  kind: 'loss',
  name: 'SmoothL1Loss',
  description: 'Smooth L1 on regression targets: quadratic below β, linear above',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      beta: { type: 'number', minimum: 0, description: 'transition point between the quadratic and linear parts (0 gives L1)', default: 1.0 },
      loss_weight: lossWeightOption,
      reduction: reductionOption,
    },
  },
  build: (o) => makeLoss('SmoothL1Loss', o.loss_weight, o.reduction, (pred, target) => smoothL1Loss(pred, target, o.beta)),
});
