/**
 * DETR with auxiliary supervisors that work on features only (PixelContrast):
 * the supervisor contract (src/supervision/supervisor.ts) hands a dense head
 * and its outputs, which a set-prediction head does not have, so DETR takes
 * factories that can attach to the backbone and neck alone
 * (`attachToFeatures`). Their modules live under `supervisors.<i>`, never in
 * the deployed model, as with SupervisedDetector.
 */
import type { Batch } from '../data/types.js';
import { DETR } from '../detection/detr/detr_detector.js';
import type { DETRHead } from '../detection/detr/detr_head.js';
import { groundTruth, type DetectorFeatures } from '../detection/single_stage_detector.js';
import type { IterationInfo, LossTerms } from '../detection/types.js';
import type { Backbone, Neck } from '../nn/backbone.js';
import { Module } from '../nn/module.js';
import type { PhaseSpec } from '../train/phases.js';
import type { DeclaredOptimizer } from '../train/types.js';
import { SupervisorModules } from './supervisor_modules.js';

export interface FeatureSupervisorHost {
  readonly backbone: Backbone;
  readonly neck: Neck | undefined;
  readonly prefix: string;
  readonly where: string;
}

export interface FeatureTrainingContext {
  batch: Batch;
  info: IterationInfo;
  features: DetectorFeatures;
}

export interface FeatureSupervisor {
  readonly label: string;
  readonly module: Module;
  losses(ctx: FeatureTrainingContext): LossTerms;
  trainingPhases(): PhaseSpec[];
  trainingOptimizers(): DeclaredOptimizer[];
}

export interface FeatureSupervisorFactory {
  attachToFeatures(host: FeatureSupervisorHost): FeatureSupervisor;
}

export function isFeatureSupervisorFactory(x: unknown): x is FeatureSupervisorFactory {
  return typeof x === 'object' && x !== null && typeof (x as FeatureSupervisorFactory).attachToFeatures === 'function';
}

export class SupervisedDETR extends DETR {
  readonly supervisors: FeatureSupervisor[];
  private readonly held: SupervisorModules<FeatureSupervisor>;

  constructor(backbone: Backbone, neck: Neck, head: DETRHead, factories: readonly FeatureSupervisorFactory[], where = 'model') {
    super(backbone, neck, head, where);
    this.held = this.child('supervisors', new SupervisorModules(factories.length, (i) => factories[i].attachToFeatures({ backbone, neck, prefix: `supervisors.${i}`, where: `${where}.supervisors[${i}]` })));
    this.supervisors = this.held.list;
  }

  override forwardTrain(batch: Batch, info: IterationInfo): LossTerms {
    const { losses, features } = this.forwardTrainDetailed(batch);
    const out: LossTerms = { ...losses };
    this.supervisors.forEach((s, i) => this.held.addTerms(out, s.losses({ batch, info, features }), i));
    return out;
  }

  /** The set-prediction loss from these features (gradient diagnostics). */
  detectionLossFrom(features: DetectorFeatures, batch: Batch): LossTerms {
    return this.head.loss(this.head.forward(features.neck[0]), groundTruth(batch), batch.metas);
  }

  /** Supervisor `i`'s terms from these features (gradient diagnostics). */
  supervisorLossFrom(i: number, features: DetectorFeatures, batch: Batch, info: IterationInfo): LossTerms {
    return this.supervisors[i].losses({ batch, info, features });
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
}
