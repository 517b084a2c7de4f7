/**
 * Options every optimizer component shares (parameter-group rules, gradient
 * clipping), their schemas, and the factory an optimizer component builds:
 * optimizers need the model's parameters, which exist only after the model
 * is built, so components return a factory the trainer applies to them.
 */
import type { Variable } from '../../engine/tf.js';
import type { JsonSchema } from '../../registry/component.js';
import type { GradClip } from '../grad_clip.js';
import { buildParamGroups, type ParamwiseOptions } from '../param_groups.js';
import type { Optimizer, ParamGroup } from './optimizer.js';

export interface OptimizerFactory {
  /** Builds the optimizer over `params` (its share of the model), grouped by the paramwise rules. */
  create(params: [string, Variable][], normParams: ReadonlySet<string>): Optimizer;
  readonly clip: GradClip;
}

export interface ParamwiseConfig {
  bias_lr_mult: number;
  bias_decay_mult: number;
  norm_decay_mult: number;
  custom: { prefix: string; lr_mult: number; decay_mult: number }[];
}

export interface GradClipConfig {
  type: 'none' | 'value' | 'norm';
  value: number;
  max_norm: number;
  norm_type: number;
}

export const PARAMWISE_SCHEMA: JsonSchema & { description: string } = {
  type: 'object',
  description: 'per-parameter LR and weight-decay multipliers (biases, norm layers, prefixes)',
  additionalProperties: false,
  properties: {
    bias_lr_mult: { type: 'number', minimum: 0, description: 'LR multiplier of biases outside norm layers (maskrcnn-benchmark: 2)', default: 1 },
    bias_decay_mult: { type: 'number', minimum: 0, description: 'weight-decay multiplier of biases outside norm layers (maskrcnn-benchmark: 0)', default: 1 },
    norm_decay_mult: { type: 'number', minimum: 0, description: 'weight-decay multiplier of norm-layer weights and biases', default: 1 },
    custom: {
      type: 'array',
      description: 'overrides by dotted parameter prefix; the first match wins',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['prefix'],
        properties: {
          prefix: { type: 'string', description: 'dotted module or parameter prefix, e.g. backbone', default: '' },
          lr_mult: { type: 'number', minimum: 0, description: 'LR multiplier', default: 1 },
          decay_mult: { type: 'number', minimum: 0, description: 'weight-decay multiplier', default: 1 },
        },
      },
    },
  },
  default: { bias_lr_mult: 1, bias_decay_mult: 1, norm_decay_mult: 1, custom: [] },
};

export const GRAD_CLIP_SCHEMA: JsonSchema & { description: string } = {
  type: 'object',
  description: "gradient clipping over this optimizer's gradients: element-wise by value (Detectron2) or by total norm (MMDetection)",
  additionalProperties: false,
  properties: {
    type: { enum: ['none', 'value', 'norm'], description: 'none, value (clip each element to ±value) or norm (scale to max_norm)', default: 'none' },
    value: { type: 'number', exclusiveMinimum: 0, description: 'the bound for type value', default: 1 },
    max_norm: { type: 'number', exclusiveMinimum: 0, description: 'the total-norm bound for type norm', default: 35 },
    norm_type: { type: 'number', minimum: 1, description: 'p of the p-norm for type norm', default: 2 },
  },
  default: { type: 'none', value: 1, max_norm: 35, norm_type: 2 },
};

export function toParamwise(c: ParamwiseConfig): ParamwiseOptions {
  return {
    biasLrMult: c.bias_lr_mult,
    biasDecayMult: c.bias_decay_mult,
    normDecayMult: c.norm_decay_mult,
    custom: c.custom.map((x) => ({ prefix: x.prefix, lrMult: x.lr_mult, decayMult: x.decay_mult })),
  };
}

export function toGradClip(c: GradClipConfig): GradClip {
  if (c.type === 'value') return { type: 'value', value: c.value };
  if (c.type === 'norm') return { type: 'norm', maxNorm: c.max_norm, normType: c.norm_type };
  return { type: 'none' };
}

/** A factory that groups the parameters and hands the groups to `make`. */
export function optimizerFactory(paramwise: ParamwiseConfig, clip: GradClipConfig, make: (groups: ParamGroup[]) => Optimizer): OptimizerFactory {
  const pw = toParamwise(paramwise);
  return {
    clip: toGradClip(clip),
    create: (params, norms) => make(buildParamGroups(params, norms, pw)),
  };
}
