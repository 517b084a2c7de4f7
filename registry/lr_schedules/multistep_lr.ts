/** Step decay by gamma at given points, after a warm-up (Detectron2 WarmupMultiStepLR). */
import { defineComponent } from '../../src/registry/component.js';
import { ITER_POINT_SCHEMA, type IterPoint } from '../../src/train/iter_point.js';
import { WARMUP_SCHEMA, type WarmupConfig } from '../../src/train/lr_schedule_options.js';
import { multiStepSchedule, type ScheduleFactory } from '../../src/train/lr_schedules.js';

interface Options {
  steps: IterPoint[];
  gamma: number;
  warmup: WarmupConfig;
}

export const MultiStepLR = defineComponent<Options, ScheduleFactory>({
  kind: 'lr_schedule',
  name: 'MultiStepLR',
  description: 'LR times gamma at each step point, after a warm-up',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      steps: { type: 'array', items: ITER_POINT_SCHEMA, description: "decay points: iterations, fractions in [0, 1) or 'x%' (1x schedule: ['67%', '89%'])", default: ['67%', '89%'] },
      gamma: { type: 'number', exclusiveMinimum: 0, description: 'the factor at each step', default: 0.1 },
      warmup: WARMUP_SCHEMA,
    },
  },
  build: (o, ctx) => multiStepSchedule(o.steps, o.gamma, o.warmup, ctx.path),
});
