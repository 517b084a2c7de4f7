/** The base LR throughout, after an optional warm-up. */
import { defineComponent } from '../../src/registry/component.js';
import { WARMUP_SCHEMA, type WarmupConfig } from '../../src/train/lr_schedule_options.js';
import { constantSchedule, type ScheduleFactory } from '../../src/train/lr_schedules.js';

interface Options {
  warmup: WarmupConfig;
}

export const ConstantLR = defineComponent<Options, ScheduleFactory>({
  kind: 'lr_schedule',
  name: 'ConstantLR',
  description: 'the base LR throughout, after an optional warm-up',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: { warmup: { ...WARMUP_SCHEMA, default: { type: 'none', iters: 0, ratio: 1 } } },
  },
  build: (o, ctx) => constantSchedule(o.warmup, ctx.path),
});
