/** FCOS head as a registry component (mmdet FCOSHead defaults). */
import { ComponentError } from '../../src/config/errors.js';
import { FcosHead } from '../../src/detection/heads/fcos_head.js';
import { buildLoss, commonHeadProperties, lossProperty, resolveNumClasses, toTestConfig, type CommonHeadOptions } from '../../src/detection/heads/schema.js';
import { normOptionSchema, type NormConfig } from '../../src/nn/norm.js';
import { defineComponent, type ComponentConfig } from '../../src/registry/component.js';

interface Options extends CommonHeadOptions {
  strides: number[];
  norm: NormConfig;
  conv_bias: boolean;
  regress_ranges: [number, number][];
  center_sampling: boolean;
  center_sample_radius: number;
  norm_on_bbox: boolean;
  centerness_on_reg: boolean;
  loss_cls: ComponentConfig;
  loss_bbox: ComponentConfig;
  loss_centerness: ComponentConfig;
}

const INF = 1e8;

export const FcosHeadComponent = defineComponent<Options, FcosHead>({
  kind: 'head',
  name: 'FCOSHead',
  description: 'FCOS head: anchor-free distances per location, centerness, learnable scale per level',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...commonHeadProperties({ iouThreshold: 0.5 }),
      strides: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, description: 'stride of each input level, finest first', default: [8, 16, 32, 64, 128] },
      norm: normOptionSchema('normalisation after each tower conv', 'GN'),
      conv_bias: { type: 'boolean', description: "bias in the tower convs (mmdet 'auto': none with a norm)", default: false },
      regress_ranges: {
        type: 'array',
        items: { type: 'array', items: { type: 'number' }, minItems: 2, maxItems: 2 },
        description: 'per level [lo, hi] of the largest target distance a location may regress',
        default: [[-1, 64], [64, 128], [128, 256], [256, 512], [512, INF]],
      },
      center_sampling: { type: 'boolean', description: 'positives only near the box centre (radius · stride)', default: false },
      center_sample_radius: { type: 'number', exclusiveMinimum: 0, description: 'centre-sampling radius in strides', default: 1.5 },
      norm_on_bbox: { type: 'boolean', description: 'regress distances in strides through ReLU instead of exp', default: false },
      centerness_on_reg: { type: 'boolean', description: 'centerness branch on the regression tower instead of the classification one', default: false },
      loss_cls: lossProperty('classification loss', { type: 'FocalLoss', use_sigmoid: true, gamma: 2.0, alpha: 0.25, loss_weight: 1.0 }),
      loss_bbox: lossProperty('box loss on decoded boxes', { type: 'IoULoss', loss_weight: 1.0 }),
      loss_centerness: lossProperty('centerness loss (sigmoid BCE)', { type: 'CrossEntropyLoss', use_sigmoid: true, loss_weight: 1.0 }),
    },
  },
  build: (o, ctx) => {
    if (o.regress_ranges.length !== o.strides.length) throw new ComponentError(`${o.regress_ranges.length} regress_ranges for ${o.strides.length} strides`, `${ctx.path}.regress_ranges`);
    return new FcosHead({
      numClasses: resolveNumClasses(o.num_classes, ctx),
      strides: o.strides,
      tower: { inChannels: o.in_channels, featChannels: o.feat_channels, stackedConvs: o.stacked_convs, norm: o.norm, convBias: o.conv_bias },
      testCfg: toTestConfig(o.test_cfg),
      targets: { regressRanges: o.regress_ranges, centerSampling: o.center_sampling, centerSampleRadius: o.center_sample_radius },
      normOnBbox: o.norm_on_bbox,
      centernessOnReg: o.centerness_on_reg,
      lossCls: buildLoss(ctx, o.loss_cls, 'loss_cls'),
      lossBbox: buildLoss(ctx, o.loss_bbox, 'loss_bbox'),
      lossCenterness: buildLoss(ctx, o.loss_centerness, 'loss_centerness'),
      priorProb: o.prior_prob,
    });
  },
});
