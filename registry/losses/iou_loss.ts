/** IoU loss on decoded boxes (UnitBox / FCOS). */
import { makeLoss, type Loss, type Reduction } from '../../src/detection/losses/loss.js';
import { iouLoss, type IoULossMode } from '../../src/detection/losses/iou_loss.js';
import { lossWeightOption, reductionOption } from '../../src/detection/losses/schema.js';
import { defineComponent } from '../../src/registry/component.js';

interface Options {
  mode: IoULossMode;
  eps: number;
  loss_weight: number;
  reduction: Reduction;
}

export const IoULoss = defineComponent<Options, Loss>({
  kind: 'loss',
  name: 'IoULoss',
  description: 'IoU loss on aligned decoded boxes: −log IoU, 1 − IoU or 1 − IoU²',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      mode: { enum: ['log', 'linear', 'square'], description: 'log: −log(IoU) (mmdet default), linear: 1 − IoU, square: 1 − IoU²', default: 'log' },
      eps: { type: 'number', exclusiveMinimum: 0, description: 'floor of the IoU and of the union', default: 1e-6 },
      loss_weight: lossWeightOption,
      reduction: reductionOption,
    },
  },
  build: (o) => makeLoss('IoULoss', o.loss_weight, o.reduction, (pred, target) => iouLoss(pred, target, o.mode, o.eps)),
});
