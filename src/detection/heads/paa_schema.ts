/** Options schema and conversion shared by the PAA head components (PAAStyleHead, PAACOPHead). */
import type { BuildContext, ComponentConfig, OptionsSchema } from '../../registry/component.js';
import { atssFamilyConfig, atssFamilySchema, type AtssFamilyOptions } from './atss_schema.js';
import { PAA_BOX_LOSS_WEIGHTINGS, type PaaBoxLossWeighting, type PaaHeadOptions } from './paa_style_head.js';

export interface PaaFamilyOptions extends AtssFamilyOptions {
  loss_iou: ComponentConfig;
  paa_reassign: boolean;
  box_loss_weighting: PaaBoxLossWeighting;
}

/** The ATSS family's schema with mmdet PAAHead's defaults (IoU branch, GIoU 1.3, NMS 0.6, score voting) and PAA's own options. */
export function paaFamilySchema(): OptionsSchema {
  const base = atssFamilySchema(
    { key: 'loss_iou', description: 'IoU-branch loss against the detached IoU of the decoded box (sigmoid BCE)', loss: { type: 'CrossEntropyLoss', use_sigmoid: true, loss_weight: 0.5 } },
    { type: 'GIoULoss', loss_weight: 1.3 },
    0.6,
    true,
  );
  return {
    ...base,
    properties: {
      ...base.properties,
      paa_reassign: {
        type: 'boolean',
        description: "PAA's GMM reassignment of MaxIoU-0.1 candidates by loss (false: ATSS assignment with assigner.topk)",
        default: true,
      },
      box_loss_weighting: {
        enum: [...PAA_BOX_LOSS_WEIGHTINGS],
        description: "'iou': mmdet PAAHead, each positive's box loss weighted by its detached IoU target (floor 1e-12), over their sum; 'mean': plain mean over positives",
        default: 'iou',
      },
    },
  };
}

export function paaFamilyConfig(o: PaaFamilyOptions, ctx: BuildContext): PaaHeadOptions {
  return { ...atssFamilyConfig(o, ctx, 'loss_iou'), paaReassign: o.paa_reassign, boxLossWeighting: o.box_loss_weighting };
}
