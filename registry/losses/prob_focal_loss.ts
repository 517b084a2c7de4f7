/** Focal loss on probabilities (COP/IOP heads, CoLAD's ProbFocalLoss): probabilities `[N, C]` against one-hot targets. */
import { makeLoss, type Loss, type Reduction } from '../../src/detection/losses/loss.js';
import { lossWeightOption, reductionOption } from '../../src/detection/losses/schema.js';
import { probFocalLoss } from '../../src/detection/cop/prob_focal_loss.js';
import { defineComponent } from '../../src/registry/component.js';

interface Options {
  alpha: number;
  gamma: number;
  eps: number;
  loss_weight: number;
  reduction: Reduction;
}

export const ProbFocalLoss = defineComponent<Options, Loss>({
  kind: 'loss',
  name: 'ProbFocalLoss',
  description: 'Focal loss on class probabilities (COP/IOP heads), with clamped logs',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      alpha: { type: 'number', minimum: 0, maximum: 1, description: 'weight of positives; negatives get 1 − α', default: 0.25 },
      gamma: { type: 'number', minimum: 0, description: 'focusing exponent on the wrong-class probability', default: 2.0 },
      eps: { type: 'number', exclusiveMinimum: 0, maximum: 0.01, description: 'logs are taken of max(p, eps) and max(1 − p, eps)', default: 1e-12 },
      loss_weight: lossWeightOption,
      reduction: reductionOption,
    },
  },
  build: (o) => makeLoss('ProbFocalLoss', o.loss_weight, o.reduction, (pred, target) => probFocalLoss(pred, target, o.alpha, o.gamma, o.eps)),
});
