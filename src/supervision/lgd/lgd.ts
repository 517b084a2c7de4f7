/**
 * LGD (Zhang et al., AAAI 2022) as a supervisor: the dynamic teacher, the
 * teacher's detection loss through the detector's head (or an unshared
 * copy), the distillation loss through the adapter, and the phases of the
 * official `train.py` as data (spec §2.6–2.7).
 */
import { tf, type Scalar, type Tensor4D } from '../../engine/tf.js';
import type { DenseHead } from '../../detection/heads/dense_head.js';
import type { Batch } from '../../data/types.js';
import type { GroundTruth } from '../../detection/heads/dense_head.js';
import type { DetectorFeatures } from '../../detection/single_stage_detector.js';
import type { DetectionResult, LossTerms } from '../../detection/types.js';
import { stopGradient } from '../../nn/grad.js';
import { Module } from '../../nn/module.js';
import type { IterPoint } from '../../train/iter_point.js';
import type { ScheduleFactory } from '../../train/lr_schedules.js';
import type { OptimizerFactory } from '../../train/optimizers/options.js';
import { phaseActive, type PhaseSpec } from '../../train/phases.js';
import type { DeclaredOptimizer } from '../../train/types.js';
import { FeatureAdapter } from '../adapter.js';
import { instanceNorm, normalizedMse } from '../norm_losses.js';
import type { Supervisor, SupervisorHost, TrainingContext } from '../supervisor.js';
import { teacherObjects } from './objects.js';
import { DynamicTeacher, type InteractPattern } from './teacher.js';

export interface LgdOptions {
  /** λ of the distillation loss. */
  lambda: number;
  numHeads: number;
  pattern: InteractPattern;
  contextBox: boolean;
  detachAppearance: boolean;
  shareHead: boolean;
  /** First iteration with distillation on (before it, the student features are detached). */
  distillStart: IterPoint;
  /** First iteration with distillation off again (default: the end of the run). */
  distillStop?: IterPoint;
  /** Backbone gradients are dropped before this point. */
  freezeBackboneUntil: IterPoint;
  /** Absent: the student's optimizer settings (a separate optimizer, as the official code). */
  teacherOptimizer?: OptimizerFactory;
  /** Absent: the student's schedule. */
  teacherSchedule?: ScheduleFactory;
}

/** The supervisor's parameters: `teacher` (own optimizer, with the unshared head if any) and `adapter` (student's). */
class LgdModules extends Module {
  readonly teacher: DynamicTeacher;
  readonly adapter: FeatureAdapter;
  readonly teacherHead?: DenseHead;

  constructor(teacher: DynamicTeacher, adapter: FeatureAdapter, teacherHead: DenseHead | undefined) {
    super();
    this.teacher = this.child('teacher', teacher);
    this.adapter = this.child('adapter', adapter);
    if (teacherHead !== undefined) this.teacherHead = this.child('teacher_head', teacherHead);
  }
}

export const DISTILL_FLAG = 'lgd_distill';

/**
 * `loss_distill` (spec §2.6): λ·mean((IN(A(X^S)) − IN(sg(X^I)))²) over every
 * element of every level. With distillation off the student is detached
 * before the adapter, which keeps learning.
 */
export function distillationLoss(adapter: FeatureAdapter, student: readonly Tensor4D[], instructive: readonly Tensor4D[], lambda: number, on: boolean): Scalar {
  const adapted = student.map((s) => adapter.forward(on ? s : stopGradient(s)));
  return tf.mul(normalizedMse(adapted, instructive, instanceNorm), lambda);
}

export class LgdSupervisor implements Supervisor {
  readonly label = 'lgd';
  readonly module: LgdModules;
  private readonly distillPhase: PhaseSpec & { kind: 'flag' };

  constructor(private readonly host: SupervisorHost, private readonly o: LgdOptions) {
    const channels = host.head.options.tower.inChannels;
    const teacher = new DynamicTeacher({ numClasses: host.head.numClasses, channels, numHeads: o.numHeads, pattern: o.pattern });
    this.module = new LgdModules(teacher, new FeatureAdapter(channels), o.shareHead ? undefined : host.head.cloneUnshared());
    this.distillPhase = { kind: 'flag', name: DISTILL_FLAG, start: o.distillStart, ...(o.distillStop === undefined ? {} : { stop: o.distillStop }) };
  }

  losses(ctx: TrainingContext): LossTerms {
    const [, padH, padW] = ctx.batch.images.shape;
    const student = ctx.features.neck;
    const objects = teacherObjects(ctx.gt, ctx.head.numClasses, padH, padW, this.o.contextBox);
    const appearanceInput = this.o.detachAppearance ? student.map((s) => stopGradient(s)) : student;
    const instructive = this.module.teacher.forward(appearanceInput, objects, padH, padW);
    const head = this.module.teacherHead ?? ctx.head;
    const out: LossTerms = {};
    for (const [k, v] of Object.entries(head.loss(head.forward(instructive), ctx.gt))) out[`${k}_tea`] = v;
    out.loss_distill = distillationLoss(this.module.adapter, student, instructive, this.o.lambda, phaseActive(this.distillPhase, ctx.info));
    return out;
  }

  teacherPredict(batch: Batch, gt: GroundTruth, features: DetectorFeatures): DetectionResult[] {
    const [, padH, padW] = batch.images.shape;
    const objects = teacherObjects(gt, this.host.head.numClasses, padH, padW, this.o.contextBox);
    const instructive = this.module.teacher.forward(features.neck, objects, padH, padW);
    const head = this.module.teacherHead ?? this.host.head;
    return head.predict(head.forward(instructive), batch.metas);
  }

  trainingPhases(): PhaseSpec[] {
    const phases: PhaseSpec[] = [{ ...this.distillPhase }];
    const stop = this.o.freezeBackboneUntil;
    if (stop !== 0) phases.push({ kind: 'drop_grads', name: 'LGD: backbone frozen', params: ['backbone'], stop });
    return phases;
  }

  trainingOptimizers(): DeclaredOptimizer[] {
    const params = [`${this.host.prefix}.teacher`];
    if (this.module.teacherHead !== undefined) params.push(`${this.host.prefix}.teacher_head`);
    return [{ name: 'lgd_teacher', params, ...(this.o.teacherOptimizer && { optimizer: this.o.teacherOptimizer }), ...(this.o.teacherSchedule && { schedule: this.o.teacherSchedule }) }];
  }
}

