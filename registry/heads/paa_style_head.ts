/** The PAA head (GMM reassignment or ATSS assignment, score voting) as a registry component, mmdet PAAHead defaults. */
import { PaaStyleHead } from '../../src/detection/heads/paa_style_head.js';
import { paaFamilyConfig, paaFamilySchema, type PaaFamilyOptions } from '../../src/detection/heads/paa_schema.js';
import { defineComponent } from '../../src/registry/component.js';

export const PaaStyleHeadComponent = defineComponent<PaaFamilyOptions, PaaStyleHead>({
  kind: 'head',
  name: 'PAAStyleHead',
  description: "PAA head: IoU branch, GMM anchor reassignment, √(cls·IoU) score, score voting",
  schema: paaFamilySchema(),
  build: (o, ctx) => new PaaStyleHead(paaFamilyConfig(o, ctx)),
});
