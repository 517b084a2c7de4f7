/** L1 on regression targets (mmdet's RetinaNet default box loss). */
import { makeLoss, type Loss, type Reduction } from '../../src/detection/losses/loss.js';
import { l1Loss } from '../../src/detection/losses/regression_losses.js';
import { lossWeightOption, reductionOption } from '../../src/detection/losses/schema.js';
import { defineComponent } from '../../src/registry/component.js';

interface Options {
  loss_weight: number;
  reduction: Reduction;
}

export const L1Loss = defineComponent<Options, Loss>({
  kind: 'loss',
  name: 'L1Loss',
  description: 'Absolute difference on regression targets',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { loss_weight: lossWeightOption, reduction: reductionOption },
  },
  build: (o) => makeLoss('L1Loss', o.loss_weight, o.reduction, l1Loss),
});
