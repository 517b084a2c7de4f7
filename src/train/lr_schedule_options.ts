/** The warm-up option every LR schedule component shares. */
import type { JsonSchema } from '../registry/component.js';
import { ITER_POINT_SCHEMA } from './iter_point.js';
import type { WarmupOptions } from './lr_schedules.js';

export const WARMUP_SCHEMA: JsonSchema & { description: string } = {
  type: 'object',
  description: 'warm-up at the start of the run: linear from ratio to 1, or constant at ratio',
  additionalProperties: false,
  properties: {
    type: { enum: ['linear', 'constant', 'none'], description: 'linear, constant or none', default: 'linear' },
    iters: { ...ITER_POINT_SCHEMA, description: "length: iterations, a fraction of the run in [0, 1) or 'x%'", default: 500 },
    ratio: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'the LR factor at iteration 0', default: 0.001 },
  },
  default: { type: 'linear', iters: 500, ratio: 0.001 },
};

export type WarmupConfig = WarmupOptions;
