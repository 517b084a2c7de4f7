/**
 * COP (conditional objectness, CoLAD appendix) and IOP on the PAA head, as
 * one component whose switches give the rows of the paper's Table 1:
 * IoU + COP (`objectness: cop`), IoU* + COP (`iou_branch: train_only`),
 * COP only (`iou_branch: none`), and the same three with `objectness: iop`.
 * The IoU-only baseline is PAAStyleHead itself.
 */
import { ComponentError } from '../../src/config/errors.js';
import { COP_BORDERS, type CopBorder } from '../../src/detection/cop/conditional_objectness.js';
import { IOU_BRANCH_USES, OBJECTNESS_TYPES, PaaCopHead, type IouBranchUse, type ObjectnessType } from '../../src/detection/cop/paa_cop_head.js';
import { paaFamilyConfig, paaFamilySchema, type PaaFamilyOptions } from '../../src/detection/heads/paa_schema.js';
import { PAA_BOX_LOSS_WEIGHTINGS, type PaaBoxLossWeighting } from '../../src/detection/heads/paa_style_head.js';
import { lossProperty } from '../../src/detection/heads/schema.js';
import { defineComponent, type OptionsSchema } from '../../src/registry/component.js';

interface Options extends Omit<PaaFamilyOptions, 'box_loss_weighting'> {
  box_loss_weighting?: PaaBoxLossWeighting;
  objectness: ObjectnessType;
  iou_branch: IouBranchUse;
  border: CopBorder;
}

const base = paaFamilySchema();

const schema: OptionsSchema = {
  ...base,
  properties: {
    ...base.properties,
    loss_cls: lossProperty('classification loss on the COP/IOP probabilities', { type: 'ProbFocalLoss', alpha: 0.25, gamma: 2.0, loss_weight: 1.0 }),
    objectness: { type: 'string', enum: OBJECTNESS_TYPES, description: "class probability: 'cop' (Eq. 1, 9 coefficients per location) or 'iop' (ReLU(σ(cls) − σ(obj_bias))·σ(obj))", default: 'cop' },
    iou_branch: { type: 'string', enum: IOU_BRANCH_USES, description: "IoU branch: 'score' (trained, √(p·IoU) at inference), 'train_only' (IoU*: trained, p at inference), 'none'", default: 'score' },
    border: { type: 'string', enum: COP_BORDERS, description: "COP neighbours outside the map: 'half' (official: zero-padded logits, σ(0)), 'zero', or 'replicate' (the nearest location inside)", default: 'half' },
    // No schema default: the official heads differ by IoU branch.
    box_loss_weighting: {
      enum: [...PAA_BOX_LOSS_WEIGHTINGS],
      description: "'iou': each positive's GIoU weighted by its IoU target, over their sum (official PAA_COP_Head, with an IoU branch); 'mean': plain mean over positives (official PAA_COP_BASE_Head, iou_branch: none). Unset: 'iou' with an IoU branch, 'mean' without",
    },
  },
};

export const PaaCopHeadComponent = defineComponent<Options, PaaCopHead>({
  kind: 'head',
  name: 'PAACOPHead',
  description: 'PAA head with conditional (COP) or implicit (IOP) objectness and the probability focal loss (CoLAD appendix, Table 1)',
  schema,
  build: (o, ctx) => {
    if (o.loss_cls.type !== 'ProbFocalLoss') throw new ComponentError(`PAACOPHead outputs probabilities; use ProbFocalLoss, not ${o.loss_cls.type}`, `${ctx.path}.loss_cls`);
    const boxLossWeighting = o.box_loss_weighting ?? (o.iou_branch === 'none' ? 'mean' : 'iou');
    return new PaaCopHead(paaFamilyConfig({ ...o, box_loss_weighting: boxLossWeighting }, ctx), { objectness: o.objectness, iouBranch: o.iou_branch, border: o.border });
  },
});
