/**
 * COP and IOP on the PAA-style head (Nguyen et al., WACV 2022, App.; CoLAD
 * `paa_cop_head.py`, `paa_cop_base_head.py`, `paaio_head.py`): the class
 * output becomes a probability, either COP's Eq. 1 with 9 coefficients from a
 * 3×3 conv (256 → 9·A, N(0, 0.01), bias 0) on the regression tower, or IOP
 * with `obj` and `obj_bias` convs there (obj_bias's bias at the prior 1e-4).
 * Losses are PAA's with the classification loss on probabilities
 * (ProbFocalLoss), so the probability also drives PAA's assignment costs.
 *
 * The IoU branch (Table 1 rows): 'score' trains it and scores √(p·σ(iou));
 * 'train_only' trains it but scores p (IoU*: the conv stays in the state
 * dict, but is not run in eval mode); 'none' has no IoU conv and no IoU loss,
 * and scores p (the official PAA_COP_BASE_Head).
 */
import { ComponentError } from '../../config/errors.js';
import { tf, type Tensor4D } from '../../engine/tf.js';
import type { Conv2d } from '../../nn/conv2d.js';
import { biasFromPriorProb } from '../../nn/init.js';
import { PaaStyleHead } from '../heads/paa_style_head.js';
import type { GroundTruth, HeadOutputs, LevelOutputs } from '../heads/dense_head.js';
import { predictionConv } from '../heads/tower.js';
import type { LossTerms } from '../types.js';
import { conditionalObjectness, implicitObjectness, type CopBorder } from './conditional_objectness.js';

export const OBJECTNESS_TYPES = ['cop', 'iop'] as const;
export type ObjectnessType = (typeof OBJECTNESS_TYPES)[number];
export const IOU_BRANCH_USES = ['score', 'train_only', 'none'] as const;
export type IouBranchUse = (typeof IOU_BRANCH_USES)[number];

export interface CopOptions {
  objectness: ObjectnessType;
  iouBranch: IouBranchUse;
  border: CopBorder;
}

type PaaConfig = ConstructorParameters<typeof PaaStyleHead>[0];

export class PaaCopHead extends PaaStyleHead {
  private readonly coeffConv?: Conv2d;
  private readonly objConv?: Conv2d;
  private readonly objBiasConv?: Conv2d;

  constructor(config: PaaConfig, readonly cop: CopOptions) {
    super({ ...config, qualityBranch: cop.iouBranch !== 'none' });
    const a = this.anchors.numBaseAnchors;
    const c = config.tower.stackedConvs > 0 ? config.tower.featChannels : config.tower.inChannels;
    if (cop.objectness === 'cop') {
      if (a !== 1) throw new ComponentError(`PAACOPHead: COP predicts one set of 9 coefficients per location; expected 1 anchor per location, got ${a}`);
      this.coeffConv = this.child('coeff_conv', predictionConv(c, 9));
    } else {
      this.objConv = this.child('obj_conv', predictionConv(c, a));
      this.objBiasConv = this.child('obj_bias_conv', predictionConv(c, a, biasFromPriorProb(1e-4)));
    }
  }

  protected override createTwin(): PaaCopHead {
    return new PaaCopHead(this.paaConfig, this.cop);
  }

  /** Class outputs are probabilities: logits go through COP/IOP before leaving the level. */
  protected override forwardLevel(level: number, clsFeat: Tensor4D | undefined, regFeat: Tensor4D): LevelOutputs {
    const out = super.forwardLevel(level, clsFeat, regFeat);
    if (out.cls === undefined) return out;
    const cls = this.coeffConv !== undefined
      ? conditionalObjectness(out.cls, this.coeffConv.forward(regFeat), this.cop.border)
      : implicitObjectness(out.cls, this.objConv!.forward(regFeat), this.objBiasConv!.forward(regFeat));
    return { cls, reg: out.reg, quality: out.quality };
  }

  /** IoU*: the IoU branch is trained but not run in eval mode. */
  protected override qualityRuns(): boolean {
    return this.training || this.cop.iouBranch === 'score';
  }

  /** √(p·σ(iou)) when the IoU branch scores, p alone otherwise. */
  protected override readonly combineScores = (p: number, q: number): number => (this.cop.iouBranch === 'score' ? Math.sqrt(p * q) : p);

  override clsProbabilities(cls: Tensor4D): Tensor4D {
    return tf.clone(cls);
  }

  override loss(outs: HeadOutputs, gt: GroundTruth): LossTerms {
    if (this.cop.iouBranch !== 'none') return super.loss(outs, gt);
    // PAA's losses need the quality tensor; without an IoU branch a zero
    // stand-in keeps their shapes and its term is dropped.
    const stand = outs.reg.map((r) => tf.zeros([r.shape[0], r.shape[1], r.shape[2], this.anchors.numBaseAnchors]) as Tensor4D);
    try {
      const { loss_iou: dropped, ...rest } = super.loss({ ...outs, quality: stand }, gt);
      dropped.dispose();
      return rest;
    } finally {
      tf.dispose(stand);
    }
  }

  protected override levelScores(read: Parameters<PaaStyleHead['levelScores']>[0], b: number, meta: Parameters<PaaStyleHead['levelScores']>[2]): ReturnType<PaaStyleHead['levelScores']> {
    if (read.quality !== undefined) return super.levelScores(read, b, meta);
    // no IoU branch: placeholder factors, which combineScores ignores
    const ones = read.probs.map((p) => new Float32Array(p.length / this.numClasses).fill(1));
    return super.levelScores({ ...read, quality: ones }, b, meta);
  }
}
