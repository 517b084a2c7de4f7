/**
 * TSCODE (Zhuang et al. 2023) as a head wrapper: `head:` is any dense head
 * (FCOSHead, ATSSHead, RetinaHead, PAAStyleHead); `sce` and `dpe` switch the
 * two halves for the paper's Table 1, the other options cover Tables 2–3.
 * The paper leaves the top level, the upsampling and DConv's init open; the
 * defaults here are max-pooling for SCE's missing P_{L+1}, dropping DPE's
 * missing terms, nearest upsampling, and DConv as the head convs (N(0, 0.01),
 * no norm; src/detection/tscode/sce.ts says what that does to G_l's scale).
 */
import type { DenseHead } from '../../src/detection/heads/dense_head.js';
import { DPE_INPUTS, DPE_TOP_LEVELS, type DpeInput, type DpeTopLevel, type Upsample } from '../../src/detection/tscode/dpe.js';
import { SCE_DCONV_INITS, SCE_DOWNSAMPLES, SCE_TOP_LEVELS, type SceDconvInit, type SceDownsample, type SceTopLevel } from '../../src/detection/tscode/sce.js';
import { normOptionSchema, type NormConfig } from '../../src/nn/norm.js';
import { TscodeHead } from '../../src/detection/tscode/tscode_head.js';
import { componentOption, defineComponent, type ComponentConfig } from '../../src/registry/component.js';

interface Options {
  head: ComponentConfig;
  sce: boolean;
  dpe: boolean;
  sce_channels: number;
  sce_convs: number;
  sce_downsample: SceDownsample;
  sce_dconv_init: SceDconvInit;
  sce_dconv_norm: NormConfig | null;
  sce_next_level: boolean;
  sce_top_level: SceTopLevel;
  dpe_inputs: DpeInput[];
  dpe_upsample: Upsample;
  dpe_top_level: DpeTopLevel;
  c2_channels: number;
}

export const TscodeHeadComponent = defineComponent<Options, TscodeHead>({
  kind: 'head',
  name: 'TSCODEHead',
  description: 'TSCODE: SCE classification branch (half resolution, wide tower, depth-to-space) and DPE localisation input around a dense head',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      head: componentOption('head', 'the base dense head (its regression branch, targets, losses and decoding are kept)', { type: 'FCOSHead', centerness_on_reg: true }),
      sce: { type: 'boolean', description: 'replace the classification branch by SCE (Semantic Context Encoding)', default: true },
      dpe: { type: 'boolean', description: 'feed the regression tower with DPE (Detail-Preserving Encoding) instead of P_l', default: true },
      sce_channels: { type: 'integer', minimum: 1, description: 'width of the SCE tower (paper: 512)', default: 512 },
      sce_convs: { type: 'integer', minimum: 0, description: 'convs in the SCE tower (paper: 2)', default: 2 },
      sce_downsample: { type: 'string', enum: SCE_DOWNSAMPLES, description: 'shared stride-2 DConv of SCE: 3×3/5×5/7×7 conv or 3×3 avg/max pooling (Table 2)', default: 'conv3' },
      sce_dconv_init: { type: 'string', enum: SCE_DCONV_INITS, description: "init of a conv DConv (paper silent): 'normal' N(0, 0.01) as the head convs, or 'c2_xavier' kaiming_uniform(a=1), which keeps P_l's scale", default: 'normal' },
      sce_dconv_norm: { ...normOptionSchema('a norm after a conv DConv (paper silent; null: none, the conv keeps its bias)', 'GN'), type: ['object', 'null'], default: null },
      sce_next_level: { type: 'boolean', description: 'concatenate P_{l+1} to DConv(P_l) (false: the "without P_{l+1}" row of Table 2)', default: true },
      sce_top_level: { type: 'string', enum: SCE_TOP_LEVELS, description: "stand-in for P_{L+1} at the top level: stride-2 1×1 max-pool of P_L ('pool') or zeros", default: 'pool' },
      dpe_inputs: {
        type: 'array',
        items: { type: 'string', enum: DPE_INPUTS },
        minItems: 1,
        uniqueItems: true,
        description: 'levels DPE combines (Table 3): any of l+2, l+1, l, l-1 (l-1 is C2 at the finest level)',
        default: ['l+1', 'l', 'l-1'],
      },
      dpe_upsample: { type: 'string', enum: ['nearest', 'bilinear'], description: 'μ in Eq. 5: resize to the finer level', default: 'nearest' },
      dpe_top_level: { type: 'string', enum: DPE_TOP_LEVELS, description: "levels above the top: drop their terms ('drop') or stride-2 max-pool the top ('pool')", default: 'drop' },
      c2_channels: { type: 'integer', minimum: 1, description: "channels of the backbone's C2 (its first output); a 1×1 lateral adapts them when they differ from the head's", default: 256 },
    },
  },
  build: (o, ctx) => {
    const makeBase = (): DenseHead => ctx.build<DenseHead>('head', o.head, `${ctx.path}.head`);
    const base = makeBase();
    const tower = base.options.tower;
    return new TscodeHead(
      base,
      {
        sce: o.sce
          ? { featChannels: o.sce_channels, stackedConvs: o.sce_convs, norm: tower.norm, convBias: tower.convBias, downsample: o.sce_downsample, dconvInit: o.sce_dconv_init, dconvNorm: o.sce_dconv_norm, useNextLevel: o.sce_next_level, topLevel: o.sce_top_level }
          : null,
        dpe: o.dpe ? { c2Channels: o.c2_channels, inputs: o.dpe_inputs, upsample: o.dpe_upsample, topLevel: o.dpe_top_level } : null,
      },
      makeBase,
    );
  },
});
