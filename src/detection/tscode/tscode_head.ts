/**
 * TSCODE (Zhuang et al. 2023): task-specific context decoupling around any
 * dense head (FCOS, ATSS, RetinaNet, PAA-style). The base head keeps its
 * regression tower, box/quality predictors, targets, losses and decoding;
 * its classification tower and class predictor are left out and replaced by
 * SCE (when `sce`), and the regression tower reads DPE's G_loc (when `dpe`)
 * instead of P_l. With both off the wrapper is the base head.
 *
 * The base head's quality branch must read the regression tower (FCOS:
 * `centerness_on_reg: true`), since SCE's features live at half resolution.
 */
import { ComponentError } from '../../config/errors.js';
import type { Tensor4D } from '../../engine/tf.js';
import { biasFromPriorProb } from '../../nn/init.js';
import { Module } from '../../nn/module.js';
import type { ImageMeta } from '../../data/types.js';
import type { DetectionResult, LossTerms } from '../types.js';
import type { LevelScores } from '../postprocess.js';
import { DenseHead, type GroundTruth, type HeadInputs, type HeadOutputs, type LevelOutputs, type ReadOutputs } from '../heads/dense_head.js';
import { AnchorGenerator } from '../priors/anchor_generator.js';
import { DetailPreservingEncoder, type DpeOptions } from './dpe.js';
import { SemanticContextEncoder, type SceOptions } from './sce.js';

/** A: anchors per location of anchor-based heads (RetinaNet 9, ATSS/PAA 1), 1 for point heads (FCOS). */
function anchorsPerLocation(head: DenseHead): number {
  const anchors = (head as { anchors?: unknown }).anchors;
  return anchors instanceof AnchorGenerator ? anchors.numBaseAnchors : 1;
}

/** The base head's class-predictor bias (its prior), reused for SCE's predictor. */
function clsPriorBias(head: DenseHead): number {
  const prior = (head as { config?: { priorProb?: unknown } }).config?.priorProb;
  return typeof prior === 'number' ? biasFromPriorProb(prior) : 0;
}

export interface TscodeOptions {
  /** SCE settings, or null to keep the base classification branch. */
  sce: Omit<SceOptions, 'inChannels' | 'clsOutChannels' | 'clsBias'> | null;
  /** DPE settings, or null to feed P_l to the regression tower. */
  dpe: Omit<DpeOptions, 'channels'> | null;
}

/** Holds the base head's kept children under their own names (state-dict keys `base.reg_convs.0.conv.weight`). */
class KeptParts extends Module {
  constructor(parts: [string, Module][]) {
    super();
    for (const [name, m] of parts) this.child(name, m);
  }
}

export class TscodeHead extends DenseHead {
  readonly sce?: SemanticContextEncoder;
  readonly dpe?: DetailPreservingEncoder;

  constructor(readonly base: DenseHead, readonly tscode: TscodeOptions, private readonly makeBase: () => DenseHead) {
    super({ numClasses: base.numClasses, strides: base.strides, tower: { ...base.options.tower, stackedConvs: 0 }, testCfg: base.testCfg });
    if (tscode.sce !== null && (base as { config?: { centernessOnReg?: unknown } }).config?.centernessOnReg === false) {
      throw new ComponentError('TSCODEHead: with sce the base FCOSHead needs centerness_on_reg: true (the classification features are at half resolution)');
    }
    const dropped = new Set(tscode.sce === null ? [] : base.classificationChildren);
    if (tscode.sce !== null) {
      const clsOut = anchorsPerLocation(base) * base.numClasses;
      this.sce = this.child('sce', new SemanticContextEncoder({ ...tscode.sce, inChannels: base.options.tower.inChannels, clsOutChannels: clsOut, clsBias: clsPriorBias(base) }));
      for (const [name, m] of base.children()) if (dropped.has(name)) m.dispose();
    }
    if (tscode.dpe !== null) this.dpe = this.child('dpe', new DetailPreservingEncoder({ ...tscode.dpe, channels: base.options.tower.inChannels }));
    this.child('base', new KeptParts(base.children().filter(([name]) => !dropped.has(name))));
    // The base head object is not in the module tree (only its kept parts
    // are), so Module.train never reaches its own flag: it reads this one.
    Object.defineProperty(base, 'training', { get: () => this.training, set: () => undefined });
  }

  protected createTwin(): TscodeHead {
    return new TscodeHead(this.makeBase(), this.tscode, this.makeBase);
  }

  override forward(feats: Tensor4D[]): HeadOutputs {
    return this.forwardFeatures({ neck: feats, backbone: [] });
  }

  override forwardFeatures(features: HeadInputs): HeadOutputs {
    const p = features.neck;
    const c2 = this.dpe?.needsC2 === true ? features.backbone[0] : undefined;
    if (this.dpe?.needsC2 === true && c2 === undefined) throw new ComponentError("TSCODEHead: DPE's input 'l-1' needs the backbone's C2 (call forwardFeatures with backbone levels)");
    return this.forwardBranches(p, this.dpe === undefined ? p : this.dpe.forward(p, c2));
  }

  /** Classification from SCE on `clsFeats` (or the base branch), regression from the base tower on `regFeats`. */
  override forwardBranches(clsFeats: Tensor4D[], regFeats: Tensor4D[]): HeadOutputs {
    if (this.sce === undefined) return this.base.forwardBranches(clsFeats, regFeats);
    if (clsFeats.length !== this.numLevels || regFeats.length !== this.numLevels) {
      throw new Error(`TSCODEHead: expected ${this.numLevels} feature levels, got ${clsFeats.length} and ${regFeats.length}`);
    }
    const levels: LevelOutputs[] = regFeats.map((x, l) => this.base.forwardRegressionLevel(l, x));
    const outs: HeadOutputs = { cls: this.sce.forward(clsFeats), reg: levels.map((o) => o.reg) };
    if (levels.every((o) => o.quality !== undefined)) outs.quality = levels.map((o) => o.quality!);
    return outs;
  }

  protected forwardLevel(): LevelOutputs {
    throw new Error('TSCODEHead: levels are predicted by forwardBranches');
  }

  loss(outs: HeadOutputs, gt: GroundTruth): LossTerms {
    return this.base.loss(outs, gt);
  }

  override predict(outs: HeadOutputs, metas: ImageMeta[]): DetectionResult[] {
    return this.base.predict(outs, metas);
  }

  protected levelScores(_read: ReadOutputs, _b: number, _meta: ImageMeta): LevelScores[] {
    throw new Error('TSCODEHead: predictions are decoded by the base head');
  }
}
