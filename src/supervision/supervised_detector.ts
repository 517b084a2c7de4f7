/**
 * A one-stage detector with auxiliary supervisors. Parameter names of the
 * detector are unchanged (`backbone.*`, `neck.*`, `head.*`); the supervisors'
 * modules live under `supervisors.<i>`. `inferenceModel()` is the plain
 * detector's, so the deployed cost equals the baseline's.
 */
import type { Batch } from '../data/types.js';
import type { DenseHead } from '../detection/heads/dense_head.js';
import { groundTruth, SingleStageDetector, type DetectorFeatures } from '../detection/single_stage_detector.js';
import type { DetectionResult, IterationInfo, LossTerms, TeacherScoring } from '../detection/types.js';
import type { Backbone, Neck } from '../nn/backbone.js';
import type { PhaseSpec } from '../train/phases.js';
import type { DeclaredOptimizer } from '../train/types.js';
import type { Supervisor, SupervisorFactory } from './supervisor.js';
import { SupervisorModules } from './supervisor_modules.js';

export class SupervisedDetector extends SingleStageDetector implements TeacherScoring {
  readonly supervisors: Supervisor[];
  private readonly held: SupervisorModules<Supervisor>;

  constructor(backbone: Backbone, neck: Neck | undefined, head: DenseHead, factories: readonly SupervisorFactory[], where = 'model') {
    super(backbone, neck, head, where);
    this.held = this.child('supervisors', new SupervisorModules(factories.length, (i) => factories[i].attach({ backbone, neck, head, prefix: `supervisors.${i}`, where: `${where}.supervisors[${i}]` })));
    this.supervisors = this.held.list;
  }

  override forwardTrain(batch: Batch, info: IterationInfo): LossTerms {
    const { losses, features, headOutputs } = this.forwardTrainDetailed(batch);
    const out: LossTerms = { ...losses };
    const gt = groundTruth(batch);
    this.supervisors.forEach((s, i) => this.held.addTerms(out, s.losses({ batch, gt, info, features, headOutputs, head: this.head }), i));
    return out;
  }

  /** The head's loss from these features (gradient diagnostics). */
  detectionLossFrom(features: DetectorFeatures, batch: Batch): LossTerms {
    return this.head.loss(this.head.forwardFeatures(features), groundTruth(batch));
  }

  /** Supervisor `i`'s terms from these features (gradient diagnostics). */
  supervisorLossFrom(i: number, features: DetectorFeatures, batch: Batch, info: IterationInfo): LossTerms {
    return this.supervisors[i].losses({ batch, gt: groundTruth(batch), info, features, headOutputs: this.head.forwardFeatures(features), head: this.head });
  }

  auxiliaryTermOwner(term: string): string | undefined {
    return this.held.owner(term);
  }

  trainingPhases(): PhaseSpec[] {
    return this.held.phases();
  }

  trainingOptimizers(): DeclaredOptimizer[] {
    return this.held.optimizers();
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
    return this.teachersOn(batch, this.extractFeatures(batch.images));
  }

  /** The student's detections and the teachers', from one backbone and neck pass. */
  predictWithTeachers(batch: Batch): { student: DetectionResult[]; teachers: Record<string, DetectionResult[]> } {
    const features = this.extractFeatures(batch.images);
    return { student: this.head.predict(this.head.forwardFeatures(features), batch.metas), teachers: this.teachersOn(batch, features) };
  }

  private teachersOn(batch: Batch, features: DetectorFeatures): Record<string, DetectionResult[]> {
    const withTeacher = this.supervisors.filter((s) => s.teacherPredict !== undefined);
    const gt = groundTruth(batch);
    const out: Record<string, DetectionResult[]> = {};
    for (const s of withTeacher) out[withTeacher.length === 1 ? 'teacher' : `teacher_${s.label}`] = s.teacherPredict!(batch, gt, features);
    return out;
  }
}
