/** RetinaNet's dense head as a registry component (mmdet RetinaHead defaults). */
import { ComponentError } from '../../src/config/errors.js';
import { RetinaHead } from '../../src/detection/heads/retina_head.js';
import {
  anchorGeneratorProperty, bboxCoderProperty, buildLoss, commonHeadProperties, lossProperty, resolveNumClasses,
  toAnchorOptions, toCoderOptions, toTestConfig, type AnchorGeneratorConfig, type CommonHeadOptions,
} from '../../src/detection/heads/schema.js';
import { normOptionSchema, type NormConfig } from '../../src/nn/norm.js';
import { defineComponent, type ComponentConfig } from '../../src/registry/component.js';

interface Options extends CommonHeadOptions {
  anchor_generator: AnchorGeneratorConfig;
  bbox_coder: { target_means: number[]; target_stds: number[] };
  assigner: { pos_iou_thr: number; neg_iou_thr: number; min_pos_iou: number; match_low_quality: boolean; ignore_iof_thr: number };
  reg_decoded_bbox: boolean;
  norm: NormConfig | null;
  loss_cls: ComponentConfig;
  loss_bbox: ComponentConfig;
}

export const RetinaHeadComponent = defineComponent<Options, RetinaHead>({
  kind: 'head',
  name: 'RetinaHead',
  description: 'RetinaNet head: 9 anchors per location, MaxIoU assignment, focal + L1/GIoU losses',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...commonHeadProperties({ iouThreshold: 0.5 }),
      anchor_generator: anchorGeneratorProperty({ octaveBaseScale: 4, scalesPerOctave: 3, ratios: [0.5, 1.0, 2.0] }),
      bbox_coder: bboxCoderProperty([1, 1, 1, 1]),
      assigner: {
        type: 'object',
        additionalProperties: false,
        description: 'MaxIoU assigner thresholds',
        default: { pos_iou_thr: 0.5, neg_iou_thr: 0.4, min_pos_iou: 0, match_low_quality: true, ignore_iof_thr: -1 },
        properties: {
          pos_iou_thr: { type: 'number', minimum: 0, maximum: 1, description: 'IoU at or above which an anchor is positive', default: 0.5 },
          neg_iou_thr: { type: 'number', minimum: 0, maximum: 1, description: 'IoU below which an anchor is negative', default: 0.4 },
          min_pos_iou: { type: 'number', minimum: 0, maximum: 1, description: 'minimum IoU of a low-quality match', default: 0 },
          match_low_quality: { type: 'boolean', description: "each gt also claims its best-overlapping anchors", default: true },
          ignore_iof_thr: { type: 'number', description: 'anchors covered by an ignore (crowd) box above this IoF are ignored; −1 disables', default: -1 },
        },
      },
      norm: {
        ...normOptionSchema('normalisation after each tower conv (null: none, as the paper; GN steadies training from scratch)', 'GN'),
        type: ['object', 'null'],
        default: null,
      },
      reg_decoded_bbox: { type: 'boolean', description: 'apply the box loss to decoded boxes (needed for IoU/GIoU losses)', default: false },
      loss_cls: lossProperty('classification loss', { type: 'FocalLoss', use_sigmoid: true, gamma: 2.0, alpha: 0.25, loss_weight: 1.0 }),
      loss_bbox: lossProperty('box regression loss', { type: 'L1Loss', loss_weight: 1.0 }),
    },
  },
  build: (o, ctx) => {
    const decodedLoss = ['GIoULoss', 'IoULoss'].includes(o.loss_bbox.type);
    if (decodedLoss && !o.reg_decoded_bbox) throw new ComponentError(`loss_bbox ${o.loss_bbox.type} works on boxes; set reg_decoded_bbox: true`, ctx.path);
    return new RetinaHead({
      numClasses: resolveNumClasses(o.num_classes, ctx),
      tower: { inChannels: o.in_channels, featChannels: o.feat_channels, stackedConvs: o.stacked_convs, ...(o.norm === null ? { convBias: true } : { norm: o.norm, convBias: false }) },
      testCfg: toTestConfig(o.test_cfg),
      anchor: toAnchorOptions(o.anchor_generator),
      coder: toCoderOptions(o.bbox_coder),
      assigner: {
        posIouThr: o.assigner.pos_iou_thr,
        negIouThr: o.assigner.neg_iou_thr,
        minPosIou: o.assigner.min_pos_iou,
        matchLowQuality: o.assigner.match_low_quality,
        ignoreIofThr: o.assigner.ignore_iof_thr,
      },
      regDecodedBbox: o.reg_decoded_bbox,
      lossCls: buildLoss(ctx, o.loss_cls, 'loss_cls'),
      lossBbox: buildLoss(ctx, o.loss_bbox, 'loss_bbox'),
      priorProb: o.prior_prob,
    });
  },
});
