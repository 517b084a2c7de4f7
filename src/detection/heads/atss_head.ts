/**
 * ATSS head (Zhang et al., CVPR 2020; mmdet ATSSHead): GN towers, one square
 * anchor per location (octave base scale 8), a learnable Scale per level on
 * the deltas, a centerness branch on the regression tower, ATSS assignment
 * (top-9 per level). Losses as mmdet: focal over Σ max(num_pos, 1); GIoU on
 * decoded boxes weighted by the centerness target and normalised by the sum
 * of those targets; sigmoid BCE on centerness over Σ max(num_pos, 1).
 */
import { tf, type Tensor2D, type Tensor4D } from '../../engine/tf.js';
import type { ImageMeta } from '../../data/types.js';
import type { Conv2d } from '../../nn/conv2d.js';
import { biasFromPriorProb } from '../../nn/init.js';
import { ModuleList } from '../../nn/module_list.js';
import { assignAtss, type AtssAssignerOptions } from '../assigners/atss_assigner.js';
import { DeltaXYWHCoder, type DeltaXYWHOptions } from '../coders/delta_xywh.js';
import type { Loss } from '../losses/loss.js';
import type { LevelScores } from '../postprocess.js';
import { AnchorGenerator, type AnchorGeneratorOptions } from '../priors/anchor_generator.js';
import type { LossTerms } from '../types.js';
import { anchorAvgFactor, anchorTargets, multiLevelAnchors, type AnchorTargets } from './anchor_targets.js';
import { predictionConv, Scale } from './tower.js';
import { DenseHead, flattenLevels, gatherRows, imageSlice, oneHotRows, zeroLoss, type DenseHeadOptions, type GroundTruth, type HeadOutputs, type LevelOutputs, type ReadOutputs } from './dense_head.js';
import { pick } from './retina_head.js';

export interface AtssHeadOptions extends Omit<DenseHeadOptions, 'strides'> {
  anchor: AnchorGeneratorOptions;
  assigner: AtssAssignerOptions;
  coder: DeltaXYWHOptions;
  lossCls: Loss;
  lossBbox: Loss;
  /** Centerness (ATSS) or IoU (PAA-style) branch loss: sigmoid BCE. */
  lossQuality: Loss;
  /** Build the third (centerness / IoU) branch; false leaves it out (COP-only heads). Default true. */
  qualityBranch?: boolean;
  priorProb: number;
}

/** Tensors shared by the ATSS-family losses once targets are built. */
export interface AnchorLossInputs {
  targets: AnchorTargets;
  cls: Tensor2D;
  reg: Tensor2D;
  quality: Tensor2D;
  /** Decoded boxes of the positives (differentiable), `[P, 4]`. */
  posBoxes?: Tensor2D;
  /** Quality logits of the positives, `[P, 1]`. */
  posQuality?: Tensor2D;
}

export class AtssHead extends DenseHead {
  readonly anchors: AnchorGenerator;
  readonly coder: DeltaXYWHCoder;
  private readonly atssCls: Conv2d;
  private readonly atssReg: Conv2d;
  private readonly atssQuality?: Conv2d;
  private readonly scales: ModuleList<Scale>;

  constructor(readonly config: AtssHeadOptions) {
    super({ ...config, strides: config.anchor.strides });
    this.anchors = new AnchorGenerator(config.anchor);
    this.coder = new DeltaXYWHCoder(config.coder);
    const a = this.anchors.numBaseAnchors;
    const c = config.tower.stackedConvs > 0 ? config.tower.featChannels : config.tower.inChannels;
    this.atssCls = this.child('atss_cls', predictionConv(c, a * this.numClasses, biasFromPriorProb(config.priorProb)));
    this.atssReg = this.child('atss_reg', predictionConv(c, a * 4));
    if (config.qualityBranch !== false) this.atssQuality = this.child('atss_centerness', predictionConv(c, a));
    this.scales = this.child('scales', new ModuleList(this.strides.map(() => new Scale(1))));
  }

  protected createTwin(): AtssHead {
    return new AtssHead(this.config);
  }

  protected forwardLevel(level: number, clsFeat: Tensor4D | undefined, regFeat: Tensor4D): LevelOutputs {
    return {
      cls: clsFeat === undefined ? undefined : this.atssCls.forward(clsFeat),
      reg: this.scales.at(level).forward(this.atssReg.forward(regFeat)),
      quality: this.qualityRuns() ? this.atssQuality?.forward(regFeat) : undefined,
    };
  }

  /** Whether the quality branch runs now (a head may train it without using it at inference). */
  protected qualityRuns(): boolean {
    return true;
  }

  /** ATSS targets for `outs` (subclasses may re-assign). */
  protected buildTargets(outs: HeadOutputs, gt: GroundTruth): AnchorTargets {
    const { anchors, levelCounts } = multiLevelAnchors(this.anchors, outs.cls.map((t) => [t.shape[1], t.shape[2]]));
    return anchorTargets(anchors, gt, this.numClasses, (boxes, ignore) => assignAtss(anchors, levelCounts, boxes, this.config.assigner, ignore));
  }

  /** Flattened outputs plus the positives' decoded boxes and quality logits (inside the caller's tidy). */
  protected lossInputs(outs: HeadOutputs, targets: AnchorTargets): AnchorLossInputs {
    if (outs.quality === undefined) throw new Error(`${this.constructor.name}.loss: outputs lack the quality branch`);
    const cls = flattenLevels(outs.cls, this.numClasses);
    const reg = flattenLevels(outs.reg, 4);
    const quality = flattenLevels(outs.quality, 1);
    const p = targets.posIdx.length;
    if (p === 0) return { targets, cls, reg, quality };
    const posBoxes = this.coder.decodeTensor(tf.tensor2d(targets.posAnchors, [p, 4]), gatherRows(reg, targets.posIdx));
    return { targets, cls, reg, quality, posBoxes, posQuality: gatherRows(quality, targets.posIdx) };
  }

  protected clsLoss(inputs: AnchorLossInputs, avgFactor: number): tf.Scalar {
    const t = inputs.targets;
    const rows = t.labels.length;
    return this.config.lossCls.compute(inputs.cls, tf.tensor2d(oneHotRows(t.labels, this.numClasses), [rows, this.numClasses]), {
      weight: tf.tensor2d(t.labelWeights, [rows, 1]),
      avgFactor,
    });
  }

  loss(outs: HeadOutputs, gt: GroundTruth): LossTerms {
    const targets = this.buildTargets(outs, gt);
    const avgFactor = Math.max(anchorAvgFactor(targets), 1);
    const ctr = anchorCenterness(targets.posAnchors, targets.posGts);
    const ctrSum = ctr.reduce((s, v) => s + v, 0);
    return tf.tidy(() => {
      const inputs = this.lossInputs(outs, targets);
      const lossCls = this.clsLoss(inputs, avgFactor);
      if (inputs.posBoxes === undefined || inputs.posQuality === undefined) {
        return { loss_cls: lossCls, loss_bbox: zeroLoss(inputs.reg), loss_centerness: zeroLoss(inputs.quality) };
      }
      const p = ctr.length;
      const ctrT = tf.tensor2d(ctr, [p, 1]);
      return {
        loss_cls: lossCls,
        loss_bbox: this.config.lossBbox.compute(inputs.posBoxes, tf.tensor2d(targets.posGts, [p, 4]), { weight: ctrT, avgFactor: Math.max(ctrSum, 1e-6) }),
        loss_centerness: this.config.lossQuality.compute(inputs.posQuality, ctrT, { avgFactor }),
      };
    });
  }

  protected levelScores(read: ReadOutputs, b: number, meta: ImageMeta): LevelScores[] {
    const a = this.anchors.numBaseAnchors;
    const quality = read.quality;
    if (quality === undefined) throw new Error(`${this.constructor.name}.predict: outputs lack the quality branch`);
    return read.sizes.map(([h, w], l) => {
      const anchors = this.anchors.gridAnchors(l, h, w);
      const reg = imageSlice(read.reg[l], b, h * w * a * 4);
      return {
        scores: imageSlice(read.probs[l], b, h * w * a * this.numClasses),
        numClasses: this.numClasses,
        scoreFactors: imageSlice(quality[l], b, h * w * a),
        combine: this.combineScores,
        decode: (idx: Int32Array) => this.coder.decode(pick(anchors, idx), pick(reg, idx), meta.imgShape),
      };
    });
  }

  /** How class probability and quality combine at inference (ATSS: product). */
  protected readonly combineScores = (p: number, q: number): number => p * q;
}

/** Centerness of each anchor centre inside its gt box (mmdet ATSSHead.centerness_target). */
export function anchorCenterness(anchors: Float32Array, gts: Float32Array): Float32Array {
  const n = anchors.length / 4;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const cx = (anchors[4 * i] + anchors[4 * i + 2]) / 2, cy = (anchors[4 * i + 1] + anchors[4 * i + 3]) / 2;
    const l = cx - gts[4 * i], t = cy - gts[4 * i + 1], r = gts[4 * i + 2] - cx, b = gts[4 * i + 3] - cy;
    out[i] = Math.sqrt((Math.min(l, r) / Math.max(l, r)) * (Math.min(t, b) / Math.max(t, b)));
  }
  return out;
}
