/** ATSS head as a registry component (mmdet ATSSHead defaults). */
import { AtssHead } from '../../src/detection/heads/atss_head.js';
import { atssFamilyConfig, atssFamilySchema, type AtssFamilyOptions } from '../../src/detection/heads/atss_schema.js';
import { defineComponent, type ComponentConfig } from '../../src/registry/component.js';

export const AtssHeadComponent = defineComponent<AtssFamilyOptions & { loss_centerness: ComponentConfig }, AtssHead>({
  kind: 'head',
  name: 'ATSSHead',
  description: 'ATSS head: adaptive training sample selection, GIoU weighted by centerness, centerness branch',
  schema: atssFamilySchema(
    { key: 'loss_centerness', description: 'centerness loss (sigmoid BCE)', loss: { type: 'CrossEntropyLoss', use_sigmoid: true, loss_weight: 1.0 } },
    { type: 'GIoULoss', loss_weight: 2.0 },
    0.6,
  ),
  build: (o, ctx) => new AtssHead(atssFamilyConfig(o, ctx, 'loss_centerness')),
});
