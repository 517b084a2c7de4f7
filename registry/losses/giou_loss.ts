/** GIoU loss on decoded boxes (Rezatofighi et al. 2019). */
import { makeLoss, type Loss, type Reduction } from '../../src/detection/losses/loss.js';
import { giouLoss } from '../../src/detection/losses/iou_loss.js';
import { lossWeightOption, reductionOption } from '../../src/detection/losses/schema.js';
import { defineComponent } from '../../src/registry/component.js';

interface Options {
  eps: number;
  loss_weight: number;
  reduction: Reduction;
}

export const GIoULoss = defineComponent<Options, Loss>({
  kind: 'loss',
  name: 'GIoULoss',
  description: '1 − generalized IoU on aligned decoded boxes',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      eps: { type: 'number', exclusiveMinimum: 0, description: 'floor of the union and enclosing areas', default: 1e-6 },
      loss_weight: lossWeightOption,
      reduction: reductionOption,
    },
  },
  build: (o) => makeLoss('GIoULoss', o.loss_weight, o.reduction, (pred, target) => giouLoss(pred, target, o.eps)),
});
