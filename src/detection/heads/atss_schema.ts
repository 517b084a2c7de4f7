/** Options schema and conversion shared by the ATSS-family head components (ATSSHead, PAAStyleHead). */
import type { NormConfig } from '../../nn/norm.js';
import { normOptionSchema } from '../../nn/norm.js';
import type { BuildContext, ComponentConfig, OptionsSchema } from '../../registry/component.js';
import type { AtssHeadOptions } from './atss_head.js';
import {
  anchorGeneratorProperty, bboxCoderProperty, buildLoss, commonHeadProperties, lossProperty, resolveNumClasses,
  toAnchorOptions, toCoderOptions, toTestConfig, type AnchorGeneratorConfig, type CommonHeadOptions,
} from './schema.js';

export interface AtssFamilyOptions extends CommonHeadOptions {
  norm: NormConfig;
  conv_bias: boolean;
  anchor_generator: AnchorGeneratorConfig;
  bbox_coder: { target_means: number[]; target_stds: number[] };
  assigner: { topk: number; ignore_iof_thr: number };
  loss_cls: ComponentConfig;
  loss_bbox: ComponentConfig;
}

/** The schema of ATSS-family heads; `quality` names the third branch's loss option. */
/** `scoreVoting` (PAA) adds `test_cfg.score_voting` with that default. */
export function atssFamilySchema(quality: { key: string; description: string; loss: ComponentConfig }, bboxLoss: ComponentConfig, nmsIou: number, scoreVoting?: boolean): OptionsSchema {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...commonHeadProperties({ iouThreshold: nmsIou, scoreVoting }),
      norm: normOptionSchema('normalisation after each tower conv', 'GN'),
      conv_bias: { type: 'boolean', description: "bias in the tower convs (mmdet 'auto': none with a norm)", default: false },
      anchor_generator: anchorGeneratorProperty({ octaveBaseScale: 8, scalesPerOctave: 1, ratios: [1.0] }),
      bbox_coder: bboxCoderProperty([0.1, 0.1, 0.2, 0.2]),
      assigner: {
        type: 'object',
        additionalProperties: false,
        description: 'ATSS assigner',
        default: { topk: 9, ignore_iof_thr: -1 },
        properties: {
          topk: { type: 'integer', minimum: 1, description: 'candidates per level nearest to each gt centre', default: 9 },
          ignore_iof_thr: { type: 'number', description: 'anchors covered by an ignore (crowd) box above this IoF are ignored; −1 disables', default: -1 },
        },
      },
      loss_cls: lossProperty('classification loss', { type: 'FocalLoss', use_sigmoid: true, gamma: 2.0, alpha: 0.25, loss_weight: 1.0 }),
      loss_bbox: lossProperty('box loss on decoded boxes', bboxLoss),
      [quality.key]: lossProperty(quality.description, quality.loss),
    },
  };
}

export function atssFamilyConfig(o: AtssFamilyOptions, ctx: BuildContext, qualityKey: string): AtssHeadOptions {
  return {
    numClasses: resolveNumClasses(o.num_classes, ctx),
    tower: { inChannels: o.in_channels, featChannels: o.feat_channels, stackedConvs: o.stacked_convs, norm: o.norm, convBias: o.conv_bias },
    testCfg: toTestConfig(o.test_cfg),
    anchor: toAnchorOptions(o.anchor_generator),
    coder: toCoderOptions(o.bbox_coder),
    assigner: { topk: o.assigner.topk, ignoreIofThr: o.assigner.ignore_iof_thr },
    lossCls: buildLoss(ctx, o.loss_cls, 'loss_cls'),
    lossBbox: buildLoss(ctx, o.loss_bbox, 'loss_bbox'),
    lossQuality: buildLoss(ctx, (o as unknown as Record<string, ComponentConfig>)[qualityKey], qualityKey),
    priorProb: o.prior_prob,
  };
}
