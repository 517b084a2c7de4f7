/** Sigmoid focal loss (RetinaNet): logits `[N, C]` against one-hot targets. */
import { makeLoss, type Loss, type Reduction } from '../../src/detection/losses/loss.js';
import { sigmoidFocalLoss } from '../../src/detection/losses/focal_loss.js';
import { defineComponent } from '../../src/registry/component.js';
import { lossWeightOption, reductionOption } from '../../src/detection/losses/schema.js';

interface Options {
  use_sigmoid: boolean;
  alpha: number;
  gamma: number;
  loss_weight: number;
  reduction: Reduction;
}

export const FocalLoss = defineComponent<Options, Loss>({
  kind: 'loss',
  name: 'FocalLoss',
  description: 'Sigmoid focal loss (Lin et al. 2017) on class logits, α-balanced, γ-focused',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      use_sigmoid: { const: true, description: 'only the sigmoid form is implemented (as mmdet requires)', default: true },
      alpha: { type: 'number', minimum: 0, maximum: 1, description: 'weight of positives; negatives get 1 − α', default: 0.25 },
      gamma: { type: 'number', minimum: 0, description: 'focusing exponent on the wrong-class probability', default: 2.0 },
      loss_weight: lossWeightOption,
      reduction: reductionOption,
    },
  },
  build: (o) => makeLoss('FocalLoss', o.loss_weight, o.reduction, (pred, target) => sigmoidFocalLoss(pred, target, o.alpha, o.gamma)),
});
