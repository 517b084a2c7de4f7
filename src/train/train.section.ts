/**
 * The `train:` config section: run length, logging and checkpoint cadence,
 * phases, and optimizers beyond the main `optimizer:` (each over its own
 * parameters, e.g. LGD's teacher). Points are iterations or fractions of the
 * run (iter_point.ts).
 */
import { componentOption, type JsonSchema } from '../registry/component.js';
import { defineSection } from '../registry/section.js';
import { ITER_POINT_SCHEMA, type IterPoint } from './iter_point.js';

/** Where supervision diagnostics measure gradients (src/supervision/gradient_diagnostics.ts). */
export type DiagnosticTap = 'neck' | 'backbone';

const point = (description: string): JsonSchema => ({ ...ITER_POINT_SCHEMA, description });

const phase: JsonSchema = {
  type: 'object',
  description: 'a phase: loss_weight (terms x weight), drop_grads (parameters get no gradient) or flag (a named switch)',
  required: ['kind'],
  additionalProperties: false,
  properties: {
    kind: { enum: ['loss_weight', 'drop_grads', 'flag'], description: 'what the phase does' },
    name: { type: 'string', description: 'name for logs (a flag: the name supervisors query)' },
    start: point('first iteration of the phase (0-based; default 0)'),
    stop: point('first iteration after the phase (default: the end of the run)'),
    terms: { type: 'array', items: { type: 'string' }, description: "loss_weight: loss term names ('loss_aux*' matches by prefix)" },
    weight: { type: 'number', minimum: 0, description: 'loss_weight: the factor while active' },
    params: { type: 'array', items: { type: 'string' }, description: 'drop_grads: dotted parameter prefixes, e.g. backbone' },
  },
};

export interface TrainSection {
  max_iters: number;
  diagnostics: { interval: IterPoint; tap: DiagnosticTap };
  log_interval: number;
  progress_interval: number;
  checkpoint: { interval: number; max_keep: number };
  phases: Record<string, unknown>[];
  optimizers: Record<string, { params: string[]; optimizer: { type: string }; schedule: { type: string } }>;
}

export const train = defineSection({
  name: 'train',
  description: 'iteration-based training: length, logging, checkpoints, phases, extra optimizers',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      max_iters: { type: 'integer', minimum: 1, description: 'iterations to train', default: 1000 },
      log_interval: { type: 'integer', minimum: 1, description: 'write losses and LR to metrics.jsonl every N iterations', default: 1 },
      progress_interval: { type: 'integer', minimum: 1, description: 'print a progress line every N iterations when not on a terminal', default: 20 },
      checkpoint: {
        type: 'object',
        description: 'periodic checkpoints (one is always saved after the last iteration)',
        additionalProperties: false,
        properties: {
          interval: { type: 'integer', minimum: 1, description: 'save every N iterations', default: 500 },
          max_keep: { type: 'integer', minimum: 0, description: 'keep the newest N iteration checkpoints (0: all); best is kept apart', default: 3 },
        },
        default: { interval: 500, max_keep: 3 },
      },
      diagnostics: {
        type: 'object',
        description: "the gradient each supervisor's loss and the detection loss put on the shared features, logged as diag/<supervisor>/grad_norm, grad_ratio, grad_cos (models with supervisors only)",
        additionalProperties: false,
        properties: {
          interval: { ...point('measure every this many iterations (a point: 200, or 20% for five times a run); 0: never'), default: '20%' },
          tap: { enum: ['neck', 'backbone'], description: 'the features measured: the neck outputs, or the backbone outputs (where PixelContrast\'s InfoNCE also acts)', default: 'neck' },
        },
        default: { interval: '20%', tap: 'neck' },
      },
      phases: { type: 'array', items: phase, description: 'loss-weight, gradient-drop and flag phases by iteration range', default: [] },
      optimizers: {
        type: 'object',
        description: 'optimizers beyond `optimizer:`, by name, each over the parameters under its prefixes',
        default: {},
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          required: ['params', 'optimizer', 'schedule'],
          properties: {
            params: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'dotted parameter prefixes this optimizer owns' },
            optimizer: componentOption('optimizer', 'the optimizer of these parameters'),
            schedule: componentOption('lr_schedule', 'its LR schedule'),
          },
        },
      },
    },
    default: {},
  },
});
