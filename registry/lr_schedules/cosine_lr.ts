/** Half-cosine decay over the run after a warm-up (Detectron2 WarmupCosineLR). */
import { defineComponent } from '../../src/registry/component.js';
import { WARMUP_SCHEMA, type WarmupConfig } from '../../src/train/lr_schedule_options.js';
import { cosineSchedule, type ScheduleFactory } from '../../src/train/lr_schedules.js';

interface Options {
  min_lr_ratio: number;
  warmup: WarmupConfig;
}

export const CosineLR = defineComponent<Options, ScheduleFactory>({
  kind: 'lr_schedule',
  name: 'CosineLR',
  description: 'half-cosine from the base LR to min_lr_ratio times it at the last iteration',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      min_lr_ratio: { type: 'number', minimum: 0, maximum: 1, description: 'the final LR as a fraction of the base LR', default: 0 },
      warmup: WARMUP_SCHEMA,
    },
  },
  build: (o, ctx) => cosineSchedule(o.min_lr_ratio, o.warmup, ctx.path),
});
