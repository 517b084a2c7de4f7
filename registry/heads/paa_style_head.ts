/** The PAA-style head (ATSS assignment, PAA's IoU branch and losses) as a registry component. */
import { PaaStyleHead } from '../../src/detection/heads/paa_style_head.js';
import { defineComponent, type ComponentConfig } from '../../src/registry/component.js';
import { atssFamilyConfig, atssFamilySchema, type AtssFamilyOptions } from '../../src/detection/heads/atss_schema.js';

export const PaaStyleHeadComponent = defineComponent<AtssFamilyOptions & { loss_iou: ComponentConfig }, PaaStyleHead>({
  kind: 'head',
  name: 'PAAStyleHead',
  description: "PAA-style head: PAA's IoU branch, losses and √(cls·IoU) score on ATSS assignment (no GMM, no score voting)",
  schema: atssFamilySchema(
    { key: 'loss_iou', description: 'IoU-branch loss against the detached IoU of the decoded box (sigmoid BCE)', loss: { type: 'CrossEntropyLoss', use_sigmoid: true, loss_weight: 0.5 } },
    { type: 'GIoULoss', loss_weight: 1.3 },
    0.6,
  ),
  build: (o, ctx) => new PaaStyleHead(atssFamilyConfig(o, ctx, 'loss_iou')),
});
