/**
 * TSCODE's DPE as a neck, without decoupling (the paper's Table 6): an inner
 * neck (FPN) followed by Eq. 5 on its levels, C2 (the backbone's first
 * output) standing in for P_{l−1} at the finest level; both head branches
 * then read G_l. Compared there with PAFPN on FCOS, ATSS, GFL and TOOD.
 */
import { ComponentError } from '../../src/config/errors.js';
import type { Tensor4D } from '../../src/engine/tf.js';
import { DetailPreservingEncoder, DPE_INPUTS, DPE_TOP_LEVELS, type DpeInput, type DpeTopLevel, type Upsample } from '../../src/detection/tscode/dpe.js';
import type { Neck } from '../../src/nn/backbone.js';
import { Module } from '../../src/nn/module.js';
import { componentOption, defineComponent, type ComponentConfig } from '../../src/registry/component.js';

interface Options {
  neck: ComponentConfig;
  inputs: DpeInput[];
  upsample: Upsample;
  top_level: DpeTopLevel;
  c2_channels: number;
}

export class DpeNeck extends Module implements Neck {
  readonly outChannels: readonly number[];

  constructor(readonly inner: Neck, readonly dpe: DetailPreservingEncoder) {
    super();
    this.child('neck', inner);
    this.child('dpe', dpe);
    this.outChannels = inner.outChannels;
  }

  forward(features: Tensor4D[]): Tensor4D[] {
    return this.dpe.forward(this.inner.forward(features), this.dpe.needsC2 ? features[0] : undefined);
  }
}

export const DpeNeckComponent = defineComponent<Options, DpeNeck>({
  kind: 'neck',
  name: 'DPENeck',
  description: "TSCODE's Detail-Preserving Encoding after an inner neck, shared by both head branches (no decoupling)",
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      neck: componentOption('neck', 'the pyramid DPE refines (its outputs must share one channel count)', { type: 'FPN' }),
      inputs: {
        type: 'array',
        items: { type: 'string', enum: DPE_INPUTS },
        minItems: 1,
        uniqueItems: true,
        description: 'levels combined (Table 3): any of l+2, l+1, l, l-1 (l-1 is C2 at the finest level)',
        default: ['l+1', 'l', 'l-1'],
      },
      upsample: { type: 'string', enum: ['nearest', 'bilinear'], description: 'μ in Eq. 5: resize to the finer level', default: 'nearest' },
      top_level: { type: 'string', enum: DPE_TOP_LEVELS, description: "levels above the top: drop their terms ('drop') or stride-2 max-pool the top ('pool')", default: 'drop' },
      c2_channels: { type: 'integer', minimum: 1, description: "channels of the backbone's first output, C2 (a 1×1 lateral adapts them)", default: 256 },
    },
  },
  build: (o, ctx) => {
    const inner = ctx.build<Neck>('neck', o.neck, `${ctx.path}.neck`);
    const channels = new Set(inner.outChannels);
    if (channels.size !== 1) throw new ComponentError(`DPE adds levels, so they need one channel count; got [${inner.outChannels.join(', ')}]`, `${ctx.path}.neck`);
    const dpe = new DetailPreservingEncoder({ channels: inner.outChannels[0], c2Channels: o.c2_channels, inputs: o.inputs, upsample: o.upsample, topLevel: o.top_level });
    return new DpeNeck(inner, dpe);
  },
});
