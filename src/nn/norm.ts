/**
 * The `norm: {type, num_groups}` option shared by backbones, necks and heads.
 *
 * - `BN`: BatchNorm2d, batch statistics in training.
 * - `BN_eval`: BatchNorm2d always on running statistics, affine trainable (mmdet `norm_eval`).
 * - `FrozenBN`: running statistics and a non-trainable affine (torchvision FrozenBatchNorm2d).
 * - `GN`: GroupNorm with `num_groups` (default 32).
 */
import { ComponentError } from '../config/errors.js';
import type { JsonSchema } from '../registry/component.js';
import { BatchNorm2d } from './batch_norm.js';
import { GroupNorm } from './group_norm.js';

export const NORM_TYPES = ['BN', 'BN_eval', 'FrozenBN', 'GN'] as const;
export type NormType = (typeof NORM_TYPES)[number];

export interface NormConfig {
  type: NormType;
  num_groups?: number;
}

export type NormLayer = BatchNorm2d | GroupNorm;

export function buildNorm(cfg: NormConfig, channels: number): NormLayer {
  switch (cfg.type) {
    case 'BN':
      return new BatchNorm2d(channels);
    case 'BN_eval':
      return new BatchNorm2d(channels, { mode: 'eval' });
    case 'FrozenBN':
      return new BatchNorm2d(channels, { mode: 'frozen' });
    case 'GN':
      return new GroupNorm(cfg.num_groups ?? 32, channels);
    default:
      throw new ComponentError(`unknown norm type '${String((cfg as { type: unknown }).type)}' (expected one of ${NORM_TYPES.join(', ')})`);
  }
}

/** JSON Schema of a `norm:` option, for component schemas. */
export function normOptionSchema(description: string, defaultType: NormType): JsonSchema & { description: string } {
  return {
    type: 'object',
    description,
    default: { type: defaultType },
    required: ['type'],
    additionalProperties: false,
    properties: {
      type: { enum: NORM_TYPES, description: 'BN | BN_eval (running stats, trainable affine) | FrozenBN | GN', default: defaultType },
      num_groups: { type: 'integer', minimum: 1, description: 'groups of GN', default: 32 },
    },
  };
}
