/**
 * Option schemas shared by the head components (mmdet's names and defaults)
 * and their conversion to the head classes' options.
 */
import type { BuildContext, ComponentConfig, JsonSchema } from '../../registry/component.js';
import { componentOption } from '../../registry/component.js';
import type { DeltaXYWHOptions } from '../coders/delta_xywh.js';
import type { Loss } from '../losses/loss.js';
import type { TestConfig } from '../postprocess.js';
import type { AnchorGeneratorOptions } from '../priors/anchor_generator.js';

type Prop = JsonSchema & { description: string };

export interface CommonHeadOptions {
  num_classes: number;
  in_channels: number;
  feat_channels: number;
  stacked_convs: number;
  prior_prob: number;
  test_cfg: { nms_pre: number; score_thr: number; iou_threshold: number; max_per_img: number; min_bbox_size: number; score_voting?: boolean };
}

/** `scoreVoting` adds PAA's `test_cfg.score_voting` option with that default. */
export function commonHeadProperties(defaults: { iouThreshold: number; scoreVoting?: boolean }): Record<string, Prop> {
  const voting: Record<string, Prop> =
    defaults.scoreVoting === undefined ? {} : { score_voting: { type: 'boolean', description: "PAA's score voting on the kept boxes", default: defaults.scoreVoting } };
  const votingDefault = defaults.scoreVoting === undefined ? {} : { score_voting: defaults.scoreVoting };
  return {
    num_classes: { type: 'integer', minimum: 1, description: 'foreground classes (the dataset count from the builder takes precedence)', default: 80 },
    in_channels: { type: 'integer', minimum: 1, description: 'channels of every input feature level (the neck output)', default: 256 },
    feat_channels: { type: 'integer', minimum: 1, description: 'channels of the tower convs', default: 256 },
    stacked_convs: { type: 'integer', minimum: 0, description: 'convs in each of the classification and regression towers', default: 4 },
    prior_prob: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'initial foreground probability set through the classifier bias', default: 0.01 },
    test_cfg: {
      type: 'object',
      additionalProperties: false,
      description: 'inference: score threshold, per-level top-k, class-aware NMS, detections kept',
      default: { nms_pre: 1000, score_thr: 0.05, iou_threshold: defaults.iouThreshold, max_per_img: 100, min_bbox_size: 0, ...votingDefault },
      properties: {
        nms_pre: { type: 'integer', minimum: 1, description: '(prior, class) pairs kept per level before NMS', default: 1000 },
        score_thr: { type: 'number', minimum: 0, description: 'minimum class probability', default: 0.05 },
        iou_threshold: { type: 'number', minimum: 0, maximum: 1, description: 'NMS suppresses boxes with IoU above this', default: defaults.iouThreshold },
        max_per_img: { type: 'integer', minimum: 1, description: 'detections kept per image after NMS', default: 100 },
        min_bbox_size: { type: 'number', minimum: 0, description: 'boxes not wider and taller than this are dropped', default: 0 },
        ...voting,
      },
    },
  };
}

export function anchorGeneratorProperty(d: { octaveBaseScale: number; scalesPerOctave: number; ratios: number[] }): Prop {
  const strides = [8, 16, 32, 64, 128];
  return {
    type: 'object',
    additionalProperties: false,
    description: 'anchors per level: sizes stride · octave_base_scale · 2^(i/scales_per_octave) for each ratio h/w',
    default: { octave_base_scale: d.octaveBaseScale, scales_per_octave: d.scalesPerOctave, ratios: d.ratios, strides, center_offset: 0 },
    properties: {
      octave_base_scale: { type: 'number', exclusiveMinimum: 0, description: 'anchor size in units of the stride at the first octave scale', default: d.octaveBaseScale },
      scales_per_octave: { type: 'integer', minimum: 1, description: 'scales per octave', default: d.scalesPerOctave },
      ratios: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 1, description: 'aspect ratios h/w', default: d.ratios },
      strides: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 1, description: 'stride of each input level, finest first', default: strides },
      center_offset: { type: 'number', minimum: 0, maximum: 1, description: 'anchor centre offset within a cell, in strides', default: 0 },
    },
  };
}

export function bboxCoderProperty(stds: number[]): Prop {
  return {
    type: 'object',
    additionalProperties: false,
    description: 'DeltaXYWH coder normalisation (δ − means) / stds',
    default: { target_means: [0, 0, 0, 0], target_stds: stds },
    properties: {
      target_means: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4, description: 'means of the deltas', default: [0, 0, 0, 0] },
      target_stds: { type: 'array', items: { type: 'number', exclusiveMinimum: 0 }, minItems: 4, maxItems: 4, description: 'stds of the deltas', default: stds },
    },
  };
}

export function lossProperty(description: string, config: ComponentConfig): Prop {
  return componentOption('loss', description, config);
}

export interface AnchorGeneratorConfig {
  octave_base_scale: number;
  scales_per_octave: number;
  ratios: number[];
  strides: number[];
  center_offset: number;
}

export function toAnchorOptions(a: AnchorGeneratorConfig): AnchorGeneratorOptions {
  return { octaveBaseScale: a.octave_base_scale, scalesPerOctave: a.scales_per_octave, ratios: a.ratios, strides: a.strides, centerOffset: a.center_offset };
}

export function toCoderOptions(c: { target_means: number[]; target_stds: number[] }): DeltaXYWHOptions {
  return { means: c.target_means as DeltaXYWHOptions['means'], stds: c.target_stds as DeltaXYWHOptions['stds'] };
}

export function toTestConfig(t: CommonHeadOptions['test_cfg']): TestConfig {
  return { nmsPre: t.nms_pre, scoreThr: t.score_thr, iouThr: t.iou_threshold, maxPerImg: t.max_per_img, minBboxSize: t.min_bbox_size, scoreVoting: t.score_voting ?? false };
}

/** The class count: the dataset's (`ctx.extras.numClasses`) when the builder provides it, else the option. */
export function resolveNumClasses(option: number, ctx: BuildContext): number {
  const fromData = ctx.extras.numClasses;
  if (fromData === undefined) return option;
  if (typeof fromData !== 'number' || !Number.isInteger(fromData) || fromData < 1) throw new Error(`${ctx.path}: extras.numClasses must be a positive integer, got ${String(fromData)}`);
  return fromData;
}

export function buildLoss(ctx: BuildContext, config: ComponentConfig, key: string): Loss {
  return ctx.build<Loss>('loss', config, `${ctx.path}.${key}`);
}
