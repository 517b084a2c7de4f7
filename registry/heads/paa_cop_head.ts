/**
 * COP (conditional objectness, CoLAD appendix) and IOP on the PAA head, as
 * one component whose switches give the rows of the paper's Table 1:
 * IoU + COP (`objectness: cop`), IoU* + COP (`iou_branch: train_only`),
 * COP only (`iou_branch: none`), and the same three with `objectness: iop`.
 * The IoU-only baseline is PAAStyleHead itself.
 */
import { COP_BORDERS, type CopBorder } from '../../src/detection/cop/conditional_objectness.js';
import { IOU_BRANCH_USES, OBJECTNESS_TYPES, PaaCopHead, type IouBranchUse, type ObjectnessType } from '../../src/detection/cop/paa_cop_head.js';
import { paaFamilyConfig, paaFamilySchema, type PaaFamilyOptions } from '../../src/detection/heads/paa_schema.js';
import { lossProperty } from '../../src/detection/heads/schema.js';
import { defineComponent, type OptionsSchema } from '../../src/registry/component.js';

interface Options extends PaaFamilyOptions {
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
    border: { type: 'string', enum: COP_BORDERS, description: "COP neighbours outside the map: 'half' (official: zero-padded logits, σ(0)) or 'zero'", default: 'half' },
  },
};

export const PaaCopHeadComponent = defineComponent<Options, PaaCopHead>({
  kind: 'head',
  name: 'PAACOPHead',
  description: 'PAA head with conditional (COP) or implicit (IOP) objectness and the probability focal loss (CoLAD appendix, Table 1)',
  schema,
  build: (o, ctx) => {
    if (o.loss_cls.type !== 'ProbFocalLoss') throw new Error(`${ctx.path}.loss_cls: PAACOPHead outputs probabilities; use ProbFocalLoss, not ${o.loss_cls.type}`);
    return new PaaCopHead(paaFamilyConfig(o, ctx), { objectness: o.objectness, iouBranch: o.iou_branch, border: o.border });
  },
});
