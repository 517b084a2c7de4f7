/**
 * LGD: Label-Guided self-Distillation (Zhang et al., AAAI 2022), with the
 * official code's choices as defaults (spec §2): λ 1, 32-channel attention
 * heads (8 on the official 256-wide FPN), query = student appearance,
 * distillation from 30k of 180k iterations (the 2x schedule; 1x configs
 * set 1/3), backbone gradients dropped for the first 20k, and the teacher on
 * an optimizer of its own built as the student's (in every official config
 * the two solvers are the same).
 */
import { ComponentError } from '../../src/config/errors.js';
import { ITER_POINT_SCHEMA, type IterPoint } from '../../src/train/iter_point.js';
import { componentOption, defineComponent, type ComponentConfig } from '../../src/registry/component.js';
import type { ScheduleFactory } from '../../src/train/lr_schedules.js';
import type { OptimizerFactory } from '../../src/train/optimizers/options.js';
import { LgdSupervisor } from '../../src/supervision/lgd/lgd.js';
import type { InteractPattern } from '../../src/supervision/lgd/teacher.js';
import type { SupervisorFactory } from '../../src/supervision/supervisor.js';

interface Options {
  lambda: number;
  num_heads: number | null;
  interact_pattern: InteractPattern;
  context_box: boolean;
  detach_appearance: boolean;
  share_head: boolean;
  distill_start: IterPoint;
  distill_stop: IterPoint | null;
  freeze_backbone_until: IterPoint;
  teacher_optimizer: ComponentConfig | null;
  teacher_schedule: ComponentConfig | null;
}

/** The official head width: 32 channels (256 / 8); fewer heads where the FPN is narrower, at least one. */
export const LGD_HEAD_CHANNELS = 32;

export function defaultNumHeads(channels: number): number {
  for (let heads = Math.max(1, Math.floor(channels / LGD_HEAD_CHANNELS)); heads > 1; heads--) if (channels % heads === 0) return heads;
  return 1;
}

export const LGD = defineComponent<Options, SupervisorFactory>({
  kind: 'supervisor',
  name: 'LGD',
  description: 'Label-guided self-distillation: a label-and-appearance teacher trained with the detector, distilled into the FPN',
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      lambda: { type: 'number', minimum: 0, description: 'weight of the distillation loss (paper: 1)', default: 1 },
      num_heads: { type: ['integer', 'null'], minimum: 1, description: 'heads of the cross-attention (must divide the FPN channels); null: 32 channels a head (official: 8 on 256), at least one', default: null },
      interact_pattern: { enum: ['student', 'label'], description: 'attention query: student appearance (paper) or label embeddings', default: 'student' },
      context_box: { type: 'boolean', description: 'append a whole-image context object last in each image (official: RetinaNet yes, FCOS R-50 no)', default: true },
      detach_appearance: { type: 'boolean', description: 'detach the FPN features entering the appearance encoder (official: Faster R-CNN only)', default: false },
      share_head: { type: 'boolean', description: 'run the teacher features through the detector head itself (false: an unshared copy)', default: true },
      distill_start: { ...ITER_POINT_SCHEMA, description: 'first iteration of distillation; before it the student is detached from the loss (official 30k of 180k)', default: '16.6667%' },
      distill_stop: { anyOf: [ITER_POINT_SCHEMA, { type: 'null' }], description: 'iteration where distillation stops again (null: never)', default: null },
      freeze_backbone_until: { ...ITER_POINT_SCHEMA, description: 'backbone gradients are dropped before this point (official 20k of 180k)', default: '11.1111%' },
      teacher_optimizer: {
        anyOf: [{ type: 'null' }, componentOption('optimizer', "the teacher's own optimizer")],
        description: "the teacher's optimizer; null: one of its own built as the student's `optimizer:` (official: the two solvers are equal)",
        default: null,
      },
      teacher_schedule: { anyOf: [{ type: 'null' }, componentOption('lr_schedule', "the teacher's schedule")], description: "the teacher optimizer's schedule; null: the student's `schedule:`", default: null },
    },
  },
  build: (o, ctx) => {
    const teacherOptimizer = o.teacher_optimizer === null ? undefined : ctx.build<OptimizerFactory>('optimizer', o.teacher_optimizer, `${ctx.path}.teacher_optimizer`);
    const teacherSchedule = o.teacher_schedule === null ? undefined : ctx.build<ScheduleFactory>('lr_schedule', o.teacher_schedule, `${ctx.path}.teacher_schedule`);
    return {
      attach: (host) => {
        const channels = host.head.options.tower.inChannels;
        const numHeads = o.num_heads ?? defaultNumHeads(channels);
        if (channels % numHeads !== 0) throw new ComponentError(`${numHeads} does not divide the ${channels} FPN channels`, `${host.where}.num_heads`);
        return new LgdSupervisor(host, {
          lambda: o.lambda,
          numHeads,
          pattern: o.interact_pattern,
          contextBox: o.context_box,
          detachAppearance: o.detach_appearance,
          shareHead: o.share_head,
          distillStart: o.distill_start,
          distillStop: o.distill_stop ?? undefined,
          freezeBackboneUntil: o.freeze_backbone_until,
          teacherOptimizer,
          teacherSchedule,
        });
      },
    };
  },
});
