/**
 * DETR (Carion et al. 2020): ResNet → TransformerEncoder neck → DETRHead, built
 * through the registry; feature-level supervisors (PixelContrast) optional.
 */
import { ComponentError } from '../../src/config/errors.js';
import { DETR as Detr } from '../../src/detection/detr/detr_detector.js';
import { DETRHead } from '../../src/detection/detr/detr_head.js';
import { isFeatureSupervisorFactory, SupervisedDETR } from '../../src/supervision/supervised_detr.js';
import type { Backbone, Neck } from '../../src/nn/backbone.js';
import { componentOption, defineComponent, type ComponentConfig } from '../../src/registry/component.js';

interface Options {
  backbone: ComponentConfig;
  neck: ComponentConfig;
  head: ComponentConfig;
  supervisors: ComponentConfig[];
}

export const DETR = defineComponent<Options, Detr>({
  kind: 'detector',
  name: 'DETR',
  description: 'DETR: backbone → transformer encoder on the last level → decoder with object queries and set-prediction losses',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      backbone: componentOption('backbone', 'feature extractor returning C-levels (the last one is encoded)', { type: 'ResNet', depth: 50, out_indices: [3], frozen_stages: 1, norm: { type: 'BN' }, norm_eval: true }),
      neck: componentOption('neck', 'transformer encoder on the lowest-resolution map', { type: 'TransformerEncoder', in_channels: [2048] }),
      head: componentOption('head', 'decoder with object queries', { type: 'DETRHead' }),
      supervisors: { type: 'array', items: componentOption('supervisor', 'training-only auxiliary supervision on the features'), description: 'auxiliary supervisors that read only backbone and neck features (PixelContrast); training only, never deployed', default: [] },
    },
  },
  build: (o, ctx) => {
    const backbone = ctx.build<Backbone>('backbone', o.backbone, `${ctx.path}.backbone`);
    const neck = ctx.build<Neck>('neck', o.neck, `${ctx.path}.neck`);
    const head = ctx.build<unknown>('head', o.head, `${ctx.path}.head`);
    if (!(head instanceof DETRHead)) throw new ComponentError(`DETR needs a DETRHead, got ${o.head.type}`, `${ctx.path}.head`);
    const factories = o.supervisors.map((s, i) => {
      const f = ctx.build<unknown>('supervisor', s, `${ctx.path}.supervisors.${i}`);
      if (!isFeatureSupervisorFactory(f)) throw new ComponentError(`${s.type} needs a dense head; DETR takes supervisors that read only features (PixelContrast)`, `${ctx.path}.supervisors.${i}`);
      return f;
    });
    return factories.length === 0 ? new Detr(backbone, neck, head, ctx.path) : new SupervisedDETR(backbone, neck, head, factories, ctx.path);
  },
});
