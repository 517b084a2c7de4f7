/**
 * A one-stage detector with auxiliary supervisors. Parameter names of the
 * detector are unchanged (`backbone.*`, `neck.*`, `head.*`); the supervisors'
 * modules live under `supervisors.<i>`. `inferenceModel()` is the plain
 * detector's, so the deployed cost equals the baseline's.
 */
import type { Batch } from '../data/types.js';
import type { DenseHead } from '../detection/heads/dense_head.js';
import { groundTruth, SingleStageDetector } from '../detection/single_stage_detector.js';
import type { DetectionResult, IterationInfo, LossTerms, TeacherScoring } from '../detection/types.js';
import type { Backbone, Neck } from '../nn/backbone.js';
import { Module } from '../nn/module.js';
import type { PhaseSpec } from '../train/phases.js';
import type { DeclaredOptimizer } from '../train/types.js';
import type { Supervisor, SupervisorFactory } from './supervisor.js';
import { SupervisorTerms } from './supervisor_terms.js';

class SupervisorModules extends Module {
  add(name: string, m: Module): void {
    this.child(name, m);
  }
}

export class SupervisedDetector extends SingleStageDetector implements TeacherScoring {
  readonly supervisors: Supervisor[];

  constructor(backbone: Backbone, neck: Neck | undefined, head: DenseHead, factories: readonly SupervisorFactory[], where = 'model') {
    super(backbone, neck, head, where);
    const holder = this.child('supervisors', new SupervisorModules());
    this.supervisors = factories.map((f, i) => {
      const s = f.attach({ backbone, neck, head, prefix: `supervisors.${i}`, where: `${where}.supervisors[${i}]` });
      holder.add(String(i), s.module);
      return s;
    });
  }

  private readonly terms = new SupervisorTerms();

  override forwardTrain(batch: Batch, info: IterationInfo): LossTerms {
    const { losses, features, headOutputs } = this.forwardTrainDetailed(batch);
    const out: LossTerms = { ...losses };
    const gt = groundTruth(batch);
    this.supervisors.forEach((s, i) => this.terms.add(out, s.losses({ batch, gt, info, features, headOutputs, head: this.head }), i));
    return out;
  }

  auxiliaryTermOwner(term: string): string | undefined {
    return this.terms.owner(term);
  }

  trainingPhases(): PhaseSpec[] {
    return this.supervisors.flatMap((s) => s.trainingPhases());
  }

  trainingOptimizers(): DeclaredOptimizer[] {
    return this.supervisors.flatMap((s) => s.trainingOptimizers());
  }

  /** Whether some supervisor has a teacher whose detections can be scored. */
  hasTeacher(): boolean {
    return this.supervisors.some((s) => s.teacherPredict !== undefined);
  }

  /**
   * Each teacher's detections on a batch with its ground truth, by metric
   * prefix: `teacher` when one supervisor has a teacher, else `teacher_<label>`.
   */
  predictTeachers(batch: Batch): Record<string, DetectionResult[]> {
    const withTeacher = this.supervisors.filter((s) => s.teacherPredict !== undefined);
    if (withTeacher.length === 0) return {};
    const features = this.extractFeatures(batch.images);
    const gt = groundTruth(batch);
    const out: Record<string, DetectionResult[]> = {};
    for (const s of withTeacher) out[withTeacher.length === 1 ? 'teacher' : `teacher_${s.label}`] = s.teacherPredict!(batch, gt, features);
    return out;
  }
}
