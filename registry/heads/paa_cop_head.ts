/**
 * COP (conditional objectness, CoLAD appendix) and IOP on the PAA head, as
 * one component whose switches give the rows of the paper's Table 1:
 * IoU + COP (`objectness: cop`), IoU* + COP (`iou_branch: train_only`),
 * COP only (`iou_branch: none`), and the same three with `objectness: iop`.
 * The IoU-only baseline is PAAStyleHead itself.
 */
import { COP_BORDERS, type CopBorder } from '../../src/detection/cop/conditional_objectness.js';
import { IOU_BRANCH_USES, OBJECTNESS_TYPES, PaaCopHead, type IouBranchUse, type ObjectnessType } from '../../src/detection/cop/paa_cop_head.js';
import { atssFamilyConfig, atssFamilySchema, type AtssFamilyOptions } from '../../src/detection/heads/atss_schema.js';
import { lossProperty } from '../../src/detection/heads/schema.js';
import { defineComponent, type ComponentConfig, type OptionsSchema } from '../../src/registry/component.js';

interface Options extends AtssFamilyOptions {
  loss_iou: ComponentConfig;
  paa_reassign: boolean;
  objectness: ObjectnessType;
  iou_branch: IouBranchUse;
  border: CopBorder;
}

const base = atssFamilySchema(
  { key: 'loss_iou', description: 'IoU-branch loss against the detached IoU of the decoded box (sigmoid BCE)', loss: { type: 'CrossEntropyLoss', use_sigmoid: true, loss_weight: 0.5 } },
  { type: 'GIoULoss', loss_weight: 1.3 },
  0.6,
  true,
);

const schema: OptionsSchema = {
  ...base,
  properties: {
    ...base.properties,
    loss_cls: lossProperty('classification loss on the COP/IOP probabilities', { type: 'ProbFocalLoss', alpha: 0.25, gamma: 2.0, loss_weight: 1.0 }),
    paa_reassign: { type: 'boolean', description: "PAA's GMM reassignment of MaxIoU-0.1 candidates by loss (false: ATSS assignment)", default: true },
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
    return new PaaCopHead({ ...atssFamilyConfig(o, ctx, 'loss_iou'), paaReassign: o.paa_reassign }, { objectness: o.objectness, iouBranch: o.iou_branch, border: o.border });
  },
});
