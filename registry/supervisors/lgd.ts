/**
 * LGD: Label-Guided self-Distillation (Zhang et al., AAAI 2022), with the
 * official code's choices as defaults (spec §2): λ 1, 8 heads, query =
 * student appearance, distillation from 30k of 180k iterations, backbone
 * gradients dropped for the first 20k, a separate SGD for the teacher with
 * element-wise clipping at 1.0.
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
  num_heads: number;
  interact_pattern: InteractPattern;
  context_box: boolean;
  detach_appearance: boolean;
  share_head: boolean;
  distill_start: IterPoint;
  distill_stop: IterPoint | null;
  freeze_backbone_until: IterPoint;
  teacher_optimizer: ComponentConfig;
  teacher_schedule: ComponentConfig;
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
      num_heads: { type: 'integer', minimum: 1, description: 'heads of the cross-attention (must divide the FPN channels)', default: 8 },
      interact_pattern: { enum: ['student', 'label'], description: 'attention query: student appearance (paper) or label embeddings', default: 'student' },
      context_box: { type: 'boolean', description: 'append a whole-image context object last in each image (official: RetinaNet yes, FCOS R-50 no)', default: true },
      detach_appearance: { type: 'boolean', description: 'detach the FPN features entering the appearance encoder (official: Faster R-CNN only)', default: false },
      share_head: { type: 'boolean', description: 'run the teacher features through the detector head itself (false: an unshared copy)', default: true },
      distill_start: { ...ITER_POINT_SCHEMA, description: 'first iteration of distillation; before it the student is detached from the loss (official 30k of 180k)', default: '16.6667%' },
      distill_stop: { anyOf: [ITER_POINT_SCHEMA, { type: 'null' }], description: 'iteration where distillation stops again (null: never)', default: null },
      freeze_backbone_until: { ...ITER_POINT_SCHEMA, description: 'backbone gradients are dropped before this point (official 20k of 180k)', default: '11.1111%' },
      teacher_optimizer: componentOption('optimizer', "the teacher's own optimizer", { type: 'SGD', lr: 0.01, momentum: 0.9, weight_decay: 0.0001, grad_clip: { type: 'value', value: 1 } }),
      teacher_schedule: componentOption('lr_schedule', "the teacher optimizer's schedule", { type: 'MultiStepLR', steps: ['66.6667%', '88.8889%'], gamma: 0.1, warmup: { type: 'linear', iters: '0.5556%', ratio: 0.001 } }),
    },
  },
  build: (o, ctx) => {
    const teacherOptimizer = ctx.build<OptimizerFactory>('optimizer', o.teacher_optimizer, `${ctx.path}.teacher_optimizer`);
    const teacherSchedule = ctx.build<ScheduleFactory>('lr_schedule', o.teacher_schedule, `${ctx.path}.teacher_schedule`);
    return {
      attach: (host) => {
        const channels = host.head.options.tower.inChannels;
        if (channels % o.num_heads !== 0) throw new ComponentError(`${o.num_heads} does not divide the ${channels} FPN channels`, `${host.where}.num_heads`);
        return new LgdSupervisor(host, {
          lambda: o.lambda,
          numHeads: o.num_heads,
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
