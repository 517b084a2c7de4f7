/** The PAA head (GMM reassignment or ATSS assignment, score voting) as a registry component, mmdet PAAHead defaults. */
import { PaaStyleHead } from '../../src/detection/heads/paa_style_head.js';
import { atssFamilyConfig, atssFamilySchema, type AtssFamilyOptions } from '../../src/detection/heads/atss_schema.js';
import { defineComponent, type ComponentConfig, type OptionsSchema } from '../../src/registry/component.js';

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
    paa_reassign: {
      type: 'boolean',
      description: "PAA's GMM reassignment of MaxIoU-0.1 candidates by loss (false: ATSS assignment with assigner.topk)",
      default: true,
    },
  },
};

export const PaaStyleHeadComponent = defineComponent<AtssFamilyOptions & { loss_iou: ComponentConfig; paa_reassign: boolean }, PaaStyleHead>({
  kind: 'head',
  name: 'PAAStyleHead',
  description: "PAA head: IoU branch, GMM anchor reassignment, √(cls·IoU) score, score voting",
  schema,
  build: (o, ctx) => new PaaStyleHead({ ...atssFamilyConfig(o, ctx, 'loss_iou'), paaReassign: o.paa_reassign }),
});
