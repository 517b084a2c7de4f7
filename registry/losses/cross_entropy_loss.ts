/** Cross-entropy: sigmoid BCE (centerness / IoU branches) or softmax CE on one-hot targets. */
import { bceWithLogits, softmaxCrossEntropy } from '../../src/detection/losses/cross_entropy.js';
import { makeLoss, type Loss, type Reduction } from '../../src/detection/losses/loss.js';
import { lossWeightOption, reductionOption } from '../../src/detection/losses/schema.js';
import { defineComponent } from '../../src/registry/component.js';

interface Options {
  use_sigmoid: boolean;
  loss_weight: number;
  reduction: Reduction;
}

export const CrossEntropyLoss = defineComponent<Options, Loss>({
  kind: 'loss',
  name: 'CrossEntropyLoss',
  description: 'Cross-entropy on logits: elementwise sigmoid BCE or softmax CE over the last axis',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      use_sigmoid: { type: 'boolean', description: 'sigmoid BCE per element (true) or softmax CE against one-hot/soft targets (false)', default: false },
      loss_weight: lossWeightOption,
      reduction: reductionOption,
    },
  },
  build: (o) => makeLoss('CrossEntropyLoss', o.loss_weight, o.reduction, o.use_sigmoid ? bceWithLogits : softmaxCrossEntropy),
});
